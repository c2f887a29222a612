// The DLGRuntime module; see docs/architecture.md.
