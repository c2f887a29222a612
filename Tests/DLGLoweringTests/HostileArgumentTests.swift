import DLGGraph
import DLGLang
import DLGLowering
import Testing

/// Arguments written to break the evaluator: each gets one located error, never a trap, and
/// no second error that only repeats it.
@Suite struct HostileArgumentTests {
  func errors(_ argument: String) -> [Diagnostic] {
    lower("neuralnet sequential\n  Input[4]\n  Dense[\(argument)]\n").diagnostics
  }

  @Test func theOneOverflowingQuotientIsAnError() {
    let diagnostics = errors("(-9223372036854775807-1)/-1")
    #expect(diagnostics.map(\.code) == ["E222"], "\(diagnostics)")
    #expect(diagnostics.first?.range?.start.line == 3)
  }

  @Test func deepExpressionsAreRefusedNotRecursedInto() {
    let sum = Array(repeating: "1", count: 10_000).joined(separator: "+")
    let diagnostics = errors(sum)
    #expect(diagnostics.map(\.code) == ["E223"], "\(diagnostics.map(\.message))")
    // Within the limit, the same kind of sum is just a number.
    #expect(errors(Array(repeating: "1", count: 150).joined(separator: "+")).isEmpty)
  }

  @Test func aValueThatFailsIsNotAlsoReportedMissing() {
    let diagnostics = errors("\"eight\"")
    #expect(diagnostics.count == 1, "\(diagnostics)")
    #expect(diagnostics.first?.code != "E206")
  }
}
