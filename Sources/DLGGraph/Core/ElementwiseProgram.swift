/// The elementwise vocabulary: what an elementwise op computes, written as instructions over
/// its inputs' elements, each defining one register from earlier ones (SSA). Ops declare their
/// formula in it (`ElementwiseFormula`); the fusion pass joins the formulas of a group of ops
/// into one program (`FusedElementwise`); the runtime compiles a program into one loop. It is
/// a description only: the IR says what to compute, the runtime how.
///
/// A program has results (registers written to the outputs) and stores (registers written back
/// into inputs: an optimizer updating its parameter and moments in place).
public struct ElementwiseProgram: Sendable, Hashable, Codable {
  /// One instruction: the vocabulary the IR and the kernels share (`DLGInstructions`).
  public typealias Instruction = ElementwiseInstruction

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
