import DLGKernels

/// An elementwise op written as instructions over its inputs' elements. The fusion pass merges
/// chains of such ops into one `FusedElementwise` loop, so an op only says what it computes
/// and every chain gets a fused kernel for free (as tinygrad builds kernels from patterns).
public protocol ElementwiseFormula: Operator {
  /// Inputs read once per column, repeated on every row (a bias), not once per element.
  var columnInputs: Set<Int> { get }

  /// Appends the instructions computing the output from the registers holding the inputs,
  /// and returns the output's register.
  func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int
}

extension ElementwiseFormula {
  public var columnInputs: Set<Int> { [] }
}
