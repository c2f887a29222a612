import DLGKernels

/// How an op may be fused with its neighbours (the classes of TVM and tinygrad).
public enum FusionClass: String, Sendable {
  /// One output element from the same element of each input (ReLU, Add).
  case elementwise
  /// A fixed re-indexing of the input (Reshape, Transpose).
  case injective
  /// Reduces along axes (column sums, softmax).
  case reduction
  /// Compute-bound or irregular (GEMM, convolution, optimizer updates).
  case opaque
}

/// How an op is drawn in diagrams: its family picks the colour.
public enum OpFamily: String, Sendable {
  case input, output, loss, convolution, dense, activation, normalization, pooling, reshape
  case merge, optimizer, metric, other
}

/// A primitive operation of the static graph. Everything about one op lives in the type that
/// conforms to this protocol, in one file: its signature and attributes, its shape rule, its
/// gradient, its fusion class, its diagram family and its kernel.
public protocol Operator: Sendable {
  /// The op's name as users see it in `dlg compile --explain` and diagrams (`Conv2D`).
  var name: String { get }
  /// Attributes in one line (`stride 1, valid`), empty when there are none.
  var attributeSummary: String { get }
  var fusionClass: FusionClass { get }
  var family: OpFamily { get }

  /// The shape rule: output types from input types, or a `ShapeError` saying what is wrong.
  func outputTypes(for inputs: [TensorType]) throws(ShapeError) -> [TensorType]

  /// Appends the nodes computing the gradient of each input, given the gradient of each
  /// output (nil where an output does not influence the loss). Returns one entry per input,
  /// nil for inputs that get no gradient (labels, integer inputs).
  func gradients(of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder)
    throws(ShapeError) -> [ValueID?]

  /// Indices of inputs this op overwrites in place (optimizer updates); the scheduler runs it
  /// after every other reader of those values.
  var mutatedInputs: [Int] { get }

  /// If output 0 is a view of input `n` (same bytes, new shape), returns `n`; the memory
  /// planner then gives both one storage and no kernel work is needed.
  var aliasedInput: Int? { get }

  /// If output 0 may overwrite input `n` when nothing reads that input afterwards, returns
  /// `n`; the memory planner then gives them one buffer (in-place execution).
  var inPlaceInput: Int? { get }

  /// True when the result changes from step to step with nothing but the step itself
  /// (a scheduled learning rate): never folded into a constant.
  var dependsOnStep: Bool { get }

  /// Floats of temporary workspace the kernel needs for these concrete shapes.
  func scratchCount(inputs: [[Int]], outputs: [[Int]]) -> Int

  /// The matrix products the kernel performs for these shapes (none for most ops): how
  /// `dlg bench` counts FLOPs and measures kernels against a bare sgemm.
  func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct]

  /// Binds the kernel to concrete buffers once, at plan time; the returned closure runs it.
  func makeKernel(_ binding: KernelBinding) -> Kernel
}

extension Operator {
  public var attributeSummary: String { "" }
  public var mutatedInputs: [Int] { [] }
  public var aliasedInput: Int? { nil }
  public var inPlaceInput: Int? { nil }
  public var dependsOnStep: Bool { false }
  public func scratchCount(inputs: [[Int]], outputs: [[Int]]) -> Int { 0 }
  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] { [] }
}

/// An op with no gradient (metrics, updates, gradient kernels themselves).
public protocol NonDifferentiable: Operator {}

extension NonDifferentiable {
  public func gradients(
    of node: Node, outputGradients: [ValueID?], in builder: inout GraphBuilder
  ) throws(ShapeError) -> [ValueID?] {
    Array(repeating: nil, count: node.inputs.count)
  }
}

/// What is known at run time of the step being executed.
public struct StepInfo: Sendable {
  /// 1-based count of optimizer steps taken, including this one (Adam's bias correction).
  public var step: Int
  /// True while training (dropout active, batch statistics used).
  public var training: Bool
  /// Multiplies every optimizer's learning rate this step: a learning-rate schedule.
  public var learningRateScale: Float

  public init(step: Int, training: Bool, learningRateScale: Float = 1) {
    self.step = step
    self.training = training
    self.learningRateScale = learningRateScale
  }
}

/// A kernel bound to its buffers: calling it performs the op on the current contents.
public typealias Kernel = (StepInfo) -> Void

/// One tensor's storage and concrete shape, as a kernel sees it.
public struct TensorBuffer: @unchecked Sendable {
  public var base: UnsafeMutableRawPointer
  public var dimensions: [Int]
  public var dtype: DType

  public init(base: UnsafeMutableRawPointer, dimensions: [Int], dtype: DType) {
    self.base = base
    self.dimensions = dimensions
    self.dtype = dtype
  }

  public var count: Int { dimensions.reduce(1, *) }
  public var floats: UnsafeMutablePointer<Float> { base.assumingMemoryBound(to: Float.self) }
  public var ints: UnsafeMutablePointer<Int32> { base.assumingMemoryBound(to: Int32.self) }
}

/// The concrete buffers a kernel is bound to.
public struct KernelBinding: @unchecked Sendable {
  public var inputs: [TensorBuffer]
  public var outputs: [TensorBuffer]
  /// Workspace of `scratchCount` floats (nil when the op asked for none).
  public var scratch: UnsafeMutablePointer<Float>?

  public init(
    inputs: [TensorBuffer], outputs: [TensorBuffer], scratch: UnsafeMutablePointer<Float>?
  ) {
    self.inputs = inputs
    self.outputs = outputs
    self.scratch = scratch
  }
}

/// A shape rule's complaint, turned into a diagnostic at the layer's line by lowering.
public struct ShapeError: Error, Sendable, CustomStringConvertible {
  public var message: String
  /// Extra lines, typically the expected and the actual shape.
  public var notes: [String]
  public var help: String?

  public init(_ message: String, notes: [String] = [], help: String? = nil) {
    self.message = message
    self.notes = notes
    self.help = help
  }

  public var description: String { ([message] + notes).joined(separator: "\n") }
}
