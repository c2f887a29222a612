/// One fuzz target: a reader of user input fed arbitrary bytes. Any outcome is acceptable
/// except a crash (a Swift trap, a sanitizer report), a hang or a broken invariant the
/// harness checks with `FuzzHarness.require`.
public struct FuzzHarness: Sendable {
  /// The name `dlg-fuzz --harness=NAME` and the corpus folder `Tests/Fuzz/Corpus/NAME` use.
  public let name: String
  /// What the bytes go through, for reports.
  public let summary: String
  /// Runs the bytes through the reader; true when they were accepted as valid input (so the
  /// seed corpus can be checked to hold real examples, not only noise).
  public let run: @Sendable ([UInt8]) -> Bool

  public init(name: String, summary: String, run: @escaping @Sendable ([UInt8]) -> Bool) {
    self.name = name
    self.summary = summary
    self.run = run
  }

  /// Every harness, in the order reports list them.
  public static let all: [FuzzHarness] = [
    .model, .mermaid, .safetensors, .checkpoint, .idx, .cifar, .csv, .text, .chars, .npy,
    .npz, .image, .onnx, .request,
  ]

  public static func named(_ name: String) -> FuzzHarness? {
    all.first { $0.name == name }
  }

  /// Stops the process when an invariant fails, so libFuzzer saves the input: a wrong answer
  /// is a finding, as a crash is.
  public static func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String
  ) {
    if !condition() { fatalError("fuzz invariant broken: \(message())") }
  }
}
