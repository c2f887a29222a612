/// How an elementwise op reads one of its inputs.
public enum ElementwiseInputKind: Sendable, Hashable {
  /// One element per element of the loop.
  case elementwise
  /// One element per column, repeated on every row (a bias).
  case column
  /// One element, the same for the whole loop (a per-step constant such as a learning rate).
  case scalar(index: Int)
}

/// An elementwise op written as instructions over its inputs' elements. The fusion pass merges
/// groups of such ops into one `FusedElementwise` loop, and an op that has no kernel of its own
/// runs as a one-op program, so an op only says what it computes (as tinygrad builds kernels
/// from patterns).
public protocol ElementwiseFormula: Operator {
  /// How each input is read (default: elementwise, or per column for `columnInputs`).
  func inputKind(_ slot: Int) -> ElementwiseInputKind

  /// Inputs read once per column, repeated on every row (a bias), not once per element.
  var columnInputs: Set<Int> { get }

  /// The input this op overwrites with its result instead of producing an output (`Assign`).
  var storeTarget: Int? { get }

  /// Appends the instructions computing the result from the registers holding the inputs,
  /// and returns the result's register.
  func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int
}

extension ElementwiseFormula {
  public var columnInputs: Set<Int> { [] }
  public var storeTarget: Int? { nil }

  public func inputKind(_ slot: Int) -> ElementwiseInputKind {
    columnInputs.contains(slot) ? .column : .elementwise
  }

  /// The instruction that loads input `slot` from position `position` of a program's inputs.
  public func load(_ slot: Int, from position: Int) -> ElementwiseProgram.Instruction {
    switch inputKind(slot) {
    case .elementwise: .input(position)
    case .column: .columnInput(position)
    case .scalar(let index): .scalarInput(position, index: index)
    }
  }
}
