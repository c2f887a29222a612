import DLGGraph
import DLGTestSupport
import Testing

/// A finite-difference gradient check for every differentiable op: each op's file under
/// `Ops/` registers its cases; this suite runs them and fails for an op no case checks.
@Suite struct OpGradientTests {
  @Test(arguments: GradientCases.all)
  func gradientMatchesFiniteDifferences(_ gradientCase: GradientCase) throws {
    let checker = try gradientCase.make()
    #expect(checker.graph.nodes.contains { $0.op.opType == gradientCase.opType })
    let report = try checker.check(
      epsilon: gradientCase.epsilon, tolerance: gradientCase.tolerance)
    #expect(report.passed, "\(gradientCase): \(report)")
    // Kinks are rare at random points: skipping many would make the check vacuous.
    #expect(report.kinks * 10 <= report.compared, "\(gradientCase): \(report)")
  }

  @Test func everyDifferentiableOpHasAGradientCheck() {
    let checked = Set(GradientCases.all.map(\.opType))
    let missing = OpRegistry.all.filter {
      OpRegistry.isDifferentiable($0) && !checked.contains($0.opType)
    }.map { $0.opType }
    #expect(missing.isEmpty, "no gradient check for: \(missing.joined(separator: ", "))")
  }

  /// The checker itself: a wrong gradient is reported element by element.
  @Test func aWrongGradientIsReportedWithItsElements() throws {
    var graph = Graph()
    let x = graph.addParameter("x", .fixed([2, 3]), initializer: .heUniform(fanIn: 1))
    let y = try graph.applySingleOutput(WrongGradient(), [x], name: "wrong")
    let report = try GradientChecker(graph: graph, output: y).check()
    #expect(!report.passed)
    #expect(report.failures.count == 6)
    #expect(report.description.contains("x[0]: autodiff"))
  }
}

/// The identity with a gradient twice too large: what the checker must catch. Test-only op.
private struct WrongGradient: UnaryElementwise {
  static let opType = "WrongGradient"
  static let signature = OpSignature(inputs: ["x"])

  func inputGradient(x: ValueID, y: ValueID, dy: ValueID, in builder: inout GraphBuilder)
    throws(GraphError) -> ValueID
  {
    try builder.add(Scale(2), [dy], "dWrong")
  }

  func formula(_ inputs: [Int], _ program: inout ElementwiseProgram) -> Int { inputs[0] }
}
