// The DLGKernels module; see docs/architecture.md.
