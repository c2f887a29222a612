import DLGData
import DLGServeRequests

extension FuzzHarness {
  /// A `POST /v1/predict` body, as `dlg serve` reads it: JSON (dlg's own parser) or `.npy`,
  /// checked against an image input and a word-id input with a vocabulary. Whatever is
  /// accepted must be whole samples of finite values (ids in the table), no more than allowed.
  public static let request = FuzzHarness(
    name: "request", summary: "dlg serve's request bodies (JSON and .npy)"
  ) { bytes in
    var accepted = false
    for decoder in serveDecoders {
      for decode in [decoder.decodeJSON, decoder.decodeNPY] {
        guard let samples = try? decode(bytes) else { continue }
        let size = decoder.sampleShape.reduce(1, *)
        require(samples.count >= 1 && samples.count <= decoder.maxSamples, "sample count")
        require(samples.values.count == samples.count * size, "whole samples")
        require(samples.values.allSatisfy(\.isFinite), "finite values")
        if decoder.inputIsIDs {
          require(
            samples.values.allSatisfy { $0 >= 0 && $0 < Float(decoder.idLimit ?? 0) }, "ids")
        }
        accepted = true
      }
    }
    return accepted
  }

  static let serveDecoders = [
    SampleDecoder(sampleShape: [2, 3, 1], scale: 1.0 / 255, maxSamples: 4, classCount: 3),
    SampleDecoder(
      sampleShape: [5], inputIsIDs: true, idLimit: 6,
      vocabulary: Vocabulary(tokens: ["good", "film", "bad", "long"]), maxSamples: 3,
      classCount: 2),
  ]
}
