import DLGLang
import Testing

@testable import DLGLowering

/// `classes [...]`: one distinct quoted name per class of the loss, kept in the training
/// configuration (the trainer saves them with the weights).
@Suite struct ClassNamesTests {
  static func lower(_ classes: String, loss: String = "softmax_cross_entropy(out, labels)")
    -> (model: Model?, codes: [String])
  {
    let text = """
      neuralnet
        x: Input[4]
        out: Dense[3]
        x --> out
      train
        loss    \(loss)
        classes \(classes)
      """
    let parsed = Parser.parse(SourceFile(path: "c.dlg", text: text))
    let (model, diagnostics) = ModelLowering.lower(parsed.model)
    return (model, (parsed.diagnostics + diagnostics).map(\.code))
  }

  @Test func namesAreKeptInOrder() {
    let lowered = Self.lower(#"["cat", "dog", "bird"]"#)
    #expect(lowered.codes.isEmpty)
    #expect(lowered.model?.training?.classNames == ["cat", "dog", "bird"])
  }

  @Test func wrongNamesAreLocatedErrors() {
    #expect(Self.lower(#"["cat", "dog"]"#).codes == ["E427"])
    #expect(Self.lower(#"["cat", "cat", "dog"]"#).codes == ["E427"])
    #expect(Self.lower(#"[cat, "dog", "bird"]"#).codes == ["E427"])
    #expect(Self.lower(#"["", "dog", "bird"]"#).codes == ["E427"])
    #expect(Self.lower("3").codes == ["E427"])
  }

  /// A regression has no classes to count against: names are taken as given.
  @Test func aRegressionIsNotCounted() {
    #expect(Self.lower(#"["a"]"#, loss: "mse(out, targets)").codes.isEmpty)
  }
}
