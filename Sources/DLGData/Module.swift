// The DLGData module; see docs/architecture.md.
