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

  /// Three nested blocks of `* 100` would be 10⁶ layers: refused at the use that expands
  /// past the cap, with the count, before any of them is built.
  @Test func expansionPastTheLayerCapIsRefused() {
    let text = """
      block B(n)
        a: Dense[4]
        in --> a
      end
      block C(n)
        b: B[1] * 100
        in --> b
      end
      block E(n)
        c: C[1] * 100
        in --> c
      end
      neuralnet sequential
        Input[4]
        E[1] * 100
      """
    let start = ContinuousClock.now
    let diagnostics = lower(text).diagnostics
    #expect(ContinuousClock.now - start < .seconds(1))
    #expect(diagnostics.map(\.code) == ["E224"], "\(diagnostics)")
    #expect(diagnostics.first?.message.contains("adds 1000000") == true)
    #expect(diagnostics.first?.range?.start.line == 15)
  }

  /// Blocks nested past the depth limit say so, not that a block uses itself.
  @Test func deepBlockNestingSaysItIsDeep() {
    var text = ""
    for i in 0..<40 { text += "block B\(i)(n)\n  x: B\(i + 1)[1]\n  in --> x\nend\n" }
    text +=
      "block B40(n)\n  a: Dense[2]\n  in --> a\nend\nneuralnet sequential\n  Input[4]\n  B0[1]\n"
    let diagnostics = lower(text).diagnostics
    #expect(diagnostics.first?.message.contains("blocks nest more than 32 deep") == true)
    #expect(!(diagnostics.first?.message.contains("uses itself") ?? true))
  }
}
