// The DLGPasses module; see docs/architecture.md.
