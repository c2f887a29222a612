import DLGGraph
import DLGKernels

/// Exchanges tensors with the other processes of a data-parallel run. A run of one process
/// has none; collective ops reach theirs through the `RuntimeContext`.
///
/// Every process must call the same collectives in the same order. A collective that cannot
/// complete (a process died, the network failed) does not return: the communicator reports it
/// and ends the process, because no step can finish without it.
public protocol Communicator: AnyObject, Sendable {
  /// This process's rank, from 0.
  var rank: Int { get }
  /// How many processes take part.
  var size: Int { get }
  /// Replaces `count` floats at `buffer` by their sum over every process.
  func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int)
  /// Replaces `count` doubles at `buffer` by their sum over every process (metrics, counts).
  func allReduceSum(_ buffer: UnsafeMutablePointer<Double>, count: Int)
  /// Replaces the bytes at `buffer` on every process by those of process `root`.
  func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int)
  /// Starts summing one bucket of gradients over every process: `parts` are copied out now,
  /// each float multiplied by `scale`, and summed in the background while the caller goes on.
  /// Buckets are started in the same order on every process.
  func startBucket(_ bucket: Int, parts: [(UnsafePointer<Float>, Int)], scale: Float)
  /// Waits for bucket `bucket` to be summed and copies the sums into `parts` (the same layout
  /// as when it was started).
  func finishBucket(_ bucket: Int, into parts: [(UnsafeMutablePointer<Float>, Int)])
}

/// What a kernel may know of the step it runs in: which step, whether it trains, the
/// learning-rate schedule's factor, where its random numbers come from, and how to reach the
/// other processes of a distributed run.
public struct RuntimeContext: Sendable {
  /// 1-based count of optimizer steps taken, including this one (Adam's bias correction).
  public var step: Int
  /// True while training (dropout active, batch statistics used).
  public var training: Bool
  /// Multiplies every optimizer's learning rate this step: a learning-rate schedule.
  public var learningRateScale: Float
  /// The other processes, in a data-parallel run.
  public var communicator: (any Communicator)?
  /// This process's part of the step's global batch (its samples over all of them): each
  /// gradient is multiplied by it before the sum over processes, which makes the sum the
  /// gradient of the global mean loss, also for a last batch split unevenly.
  public var gradientShare: Float = 1
  /// Where this process's slice starts in the step's global batch: random ops draw for sample
  /// `firstSample + n` what one process running the whole batch draws for it, so dropout
  /// masks do not depend on how the batch is split.
  public var firstSample = 0

  public init(
    step: Int, training: Bool, learningRateScale: Float = 1,
    communicator: (any Communicator)? = nil
  ) {
    self.step = step
    self.training = training
    self.learningRateScale = learningRateScale
    self.communicator = communicator
  }

  /// The seed of one random stream this step: ops pass a salt of their own (a dropout layer's
  /// name hash), so two ops never share a stream and a step's numbers never depend on the
  /// order ops run in or on the thread count.
  public func randomSeed(salt: UInt64) -> UInt64 {
    salt &+ UInt64(max(step, 0)) &* 0x2545_F491
  }
}

extension FusedActivation {
  /// The kernels' name for the same epilogue.
  var kernel: Activation {
    switch self {
    case .identity: .identity
    case .relu: .relu
    }
  }
}

/// A kernel bound to its buffers: calling it performs the op on the current contents.
public typealias Kernel = (RuntimeContext) -> Void

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
  /// The input at an index packed into panels, when it is a `[k, n]` weight of a store whose
  /// weights are fixed (`ParameterStore.panels`); nil in plans that train. Products of a few
  /// rows ask for it.
  public var packedWeight: (@Sendable (Int) -> PanelMatrix?)? = nil

  public init(
    inputs: [TensorBuffer], outputs: [TensorBuffer], scratch: UnsafeMutablePointer<Float>?
  ) {
    self.inputs = inputs
    self.outputs = outputs
    self.scratch = scratch
  }
}

extension KernelBinding {
  /// An elementwise op's buffers: its element count, its first input and its output.
  public var elementwise:
    (count: Int, x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>)
  {
    (inputs[0].count, inputs[0].floats, outputs[0].floats)
  }

  /// An activation gradient's buffers: the count, what it reads of the forward pass (x or y),
  /// dy and dx.
  public var activationGradient:
    (
      count: Int, forward: UnsafeMutablePointer<Float>, dy: UnsafeMutablePointer<Float>,
      dx: UnsafeMutablePointer<Float>
    )
  {
    (inputs[0].count, inputs[0].floats, inputs[1].floats, outputs[0].floats)
  }
}

/// An op's CPU implementation: the runtime's kernel table is the set of IR ops that conform
/// (each in a file of `Kernels/` beside the op's name). An elementwise op needs no entry: its
/// formula compiles into a loop (`KernelTable`).
public protocol CPUKernel: Operator {
  /// Floats of temporary workspace the kernel needs for these concrete shapes.
  func scratchCount(inputs: [[Int]], outputs: [[Int]]) -> Int

  /// The matrix products the kernel performs for these shapes (none for most ops): how
  /// `dlg bench` counts FLOPs and measures kernels against a bare sgemm.
  func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct]

  /// Whether the kernel splits its work across every thread for these shapes (the scheduler
  /// runs such nodes one at a time), or nil to let the scheduler judge from the products and
  /// sizes. A loop of many small steps says no even when its products add up to many FLOPs.
  func splitsAcrossThreads(inputs: [[Int]], outputs: [[Int]]) -> Bool?

  /// Binds the kernel to concrete buffers once, at plan time; the returned closure runs it.
  func makeKernel(_ binding: KernelBinding) -> Kernel
}

extension CPUKernel {
  public func splitsAcrossThreads(inputs: [[Int]], outputs: [[Int]]) -> Bool? { nil }
  public func scratchCount(inputs: [[Int]], outputs: [[Int]]) -> Int { 0 }
  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] { [] }
}
