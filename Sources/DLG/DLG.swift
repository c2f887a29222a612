// The public library API: `import DLG` brings in every pipeline stage a Swift program needs to
// parse a model, build its graph, train it, predict with it and draw it.
@_exported import DLGData
@_exported import DLGDistributed
@_exported import DLGFiles
@_exported import DLGGraph
@_exported import DLGInference
@_exported import DLGLang
@_exported import DLGLowering
@_exported import DLGONNX
@_exported import DLGPasses
@_exported import DLGRuntime
@_exported import DLGTrain
@_exported import DLGViz
