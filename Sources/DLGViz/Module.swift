// The DLGViz module; see docs/architecture.md.
