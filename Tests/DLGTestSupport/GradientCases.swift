import DLGGraph

/// One finite-difference check of one op: a small graph whose parameters feed the op, with the
/// step and tolerance that suit it. Each op's test file registers its cases (with a
/// `Registration`, like the ops themselves), one test runs them all, and another fails for any
/// differentiable op in the registry that no case checks.
public struct GradientCase: Sendable, CustomStringConvertible {
  /// The op type checked (the graph must contain it).
  public var opType: String
  /// What this case varies (`transposed`, `same padding`), empty for the plain case.
  public var variant: String
  public var epsilon: Float
  public var tolerance: Float
  /// Builds the checker: the graph, its output and any fixed inputs.
  public var make: @Sendable () throws -> GradientChecker

  public init(
    _ opType: String, _ variant: String = "", epsilon: Float = 1e-3, tolerance: Float = 1e-2,
    make: @escaping @Sendable () throws -> GradientChecker
  ) {
    self.opType = opType
    self.variant = variant
    self.epsilon = epsilon
    self.tolerance = tolerance
    self.make = make
  }

  public var description: String { variant.isEmpty ? opType : "\(opType) (\(variant))" }

  /// A case whose graph is one op applied to parameters of the given shapes.
  public static func op(
    _ op: any Operator, _ variant: String = "", inputs shapes: [[Int]], epsilon: Float = 1e-3,
    tolerance: Float = 1e-2, trainingMode: Bool = false
  ) -> GradientCase {
    GradientCase(op.opType, variant, epsilon: epsilon, tolerance: tolerance) {
      var graph = Graph()
      let inputs = shapes.enumerated().map { index, shape in
        graph.addParameter("x\(index)", .fixed(shape), initializer: .heUniform(fanIn: 1))
      }
      let y = try graph.apply(op, inputs, name: op.name)[0]
      var checker = GradientChecker(graph: graph, output: y)
      checker.trainingMode = trainingMode
      return checker
    }
  }
}

extension GradientCase {
  /// `op` on `[3, 4]` parameters, reading `exp` of those listed in `positive` (for ops defined
  /// only on positive inputs: `Log`, `SquareRoot`, a divisor).
  public static func positive(_ op: any Operator, inputs: Int, positive: Set<Int>)
    -> GradientCase
  {
    GradientCase(op.opType) {
      var graph = Graph()
      let values = try (0..<inputs).map { index in
        let x = graph.addParameter("x\(index)", .fixed([3, 4]), initializer: .heUniform(fanIn: 1))
        return positive.contains(index)
          ? try graph.applySingleOutput(Exp(), [x], name: "exp\(index)") : x
      }
      let y = try graph.applySingleOutput(op, values, name: op.name)
      return GradientChecker(graph: graph, output: y)
    }
  }

  /// A classification loss of `[rows, columns]` logits against fixed integer labels.
  /// With `positions`, logits `[rows, positions, columns]` and a label per position (a
  /// sequence loss); `labels` then lists `rows · positions` labels.
  public static func classification(
    _ op: any Operator, _ variant: String = "", rows: Int, positions: Int? = nil, columns: Int,
    labels: [Int32]
  ) -> GradientCase {
    GradientCase(op.opType, variant) {
      var graph = Graph()
      let rowShape = [rows] + (positions.map { [$0] } ?? [])
      let logits = graph.addParameter(
        "logits", .fixed(rowShape + [columns]), initializer: .heUniform(fanIn: 1))
      let input = graph.addInput("labels", TensorType(.int32, rowShape.map(Dimension.fixed)))
      let loss = try graph.applySingleOutput(op, [logits, input], name: op.name)
      var checker = GradientChecker(graph: graph, output: loss)
      checker.fixedInputs = [
        (input, { buffer in for (i, label) in labels.enumerated() { buffer.ints[i] = label } })
      ]
      return checker
    }
  }
}

/// Every registered gradient case.
public enum GradientCases {
  private static let table = RegistryTable<GradientCase>()

  /// Registers cases; called from a test file's `Registration`.
  public static func register(_ cases: GradientCase...) {
    for item in cases { table.add(item) }
  }

  /// Every case, by op type then variant.
  public static var all: [GradientCase] {
    table.all.sorted { ($0.opType, $0.variant) < ($1.opType, $1.variant) }
  }
}
