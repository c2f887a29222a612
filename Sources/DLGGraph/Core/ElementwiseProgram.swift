/// The elementwise vocabulary: what an elementwise op computes, written as instructions over
/// its inputs' elements, each defining one register from earlier ones (SSA). Ops declare their
/// formula in it (`ElementwiseFormula`); the fusion pass joins the formulas of a group of ops
/// into one program (`FusedElementwise`); the runtime compiles a program into one loop. It is
/// a description only: the IR says what to compute, the runtime how.
///
/// A program has results (registers written to the outputs) and stores (registers written back
/// into inputs: an optimizer updating its parameter and moments in place).
public struct ElementwiseProgram: Sendable, Hashable, Codable {
  public enum Instruction: Sendable, Hashable, Codable {
    /// Input `n`, one element per element of the loop.
    case input(Int)
    /// Input `n`, one element per column, repeated on every row (a bias).
    case columnInput(Int)
    /// Element `index` of input `n`, the same for the whole loop (a per-step constant).
    case scalarInput(Int, index: Int)
    case constant(Float)
    case copy(Int)
    case add(Int, Int)
    case subtract(Int, Int)
    case multiply(Int, Int)
    case divide(Int, Int)
    /// x · a + y · b for constants a and b, in one pass (moving averages, scaled sums).
    case affine(Int, Int, Float, Float)
    case squareRoot(Int)
    case exp(Int)
    case log(Int)
    case maximum(Int, Int)
    case minimum(Int, Int)
    /// 1 where a > b, else 0.
    case greater(Int, Int)
    /// b where a ≠ 0, else c.
    case select(Int, Int, Int)
    /// max(a, 0).
    case relu(Int)
    /// b where a > 0, else 0 (the ReLU gradient, from the ReLU's output a).
    case wherePositive(Int, Int)
    case sigmoid(Int)
    case tanh(Int)
  }

  public struct Store: Sendable, Hashable, Codable {
    public var register: Int
    public var input: Int

    public init(register: Int, input: Int) {
      self.register = register
      self.input = input
    }
  }

  public private(set) var instructions: [Instruction] = []
  /// Registers written to the output buffers, in order.
  public var results: [Int] = []
  /// Registers written back into input buffers.
  public var stores: [Store] = []

  public init() {}

  /// Appends an instruction; returns the register it defines.
  @discardableResult
  public mutating func emit(_ instruction: Instruction) -> Int {
    instructions.append(instruction)
    return instructions.count - 1
  }

  /// One line per instruction (`r2 = add(0, 1)`), for diagrams and `--explain`.
  public var listing: String {
    instructions.enumerated().map { "r\($0.offset) = \($0.element)" }.joined(separator: "; ")
  }
}
