// The DLGGraph module; see docs/architecture.md.
