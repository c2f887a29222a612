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
