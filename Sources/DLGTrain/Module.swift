// The DLGTrain module; see docs/architecture.md.
