/// The elementwise vocabulary, shared by the IR (which says what an op computes:
/// `ElementwiseProgram`) and the kernels (which run it: `ElementwiseLoop`). Each instruction
/// defines one register from earlier registers or from the loop's inputs (SSA); this module
/// holds nothing else, so neither side depends on the other.
public enum ElementwiseInstruction: Sendable, Hashable, Codable {
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
