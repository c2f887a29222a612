// The elementwise instructions are part of the IR's vocabulary: users of DLGGraph see them.
@_exported import DLGInstructions
