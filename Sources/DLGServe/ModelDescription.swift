import DLG
import DLGServeRequests

/// `GET /v1/model`: what a client needs to call the model, as JSON.
enum ModelDescription {
  static func json(of model: ServedModel, settings: ServerSettings, decoder: SampleDecoder)
    -> String
  {
    let predictor = model.predictor
    let classes =
      predictor.classNames.map { "[" + $0.map(JSONText.string).joined(separator: ",") + "]" }
      ?? "null"
    let input = [
      "\"shape\":[\(predictor.sampleShape.map(String.init).joined(separator: ","))]",
      "\"type\":\(JSONText.string(predictor.inputIsIDs ? "ids" : "float32"))",
      "\"accepts_text\":\(predictor.inputIsIDs && predictor.vocabulary != nil)",
      "\"id_limit\":\(model.idLimit.map(String.init) ?? "null")",
      "\"scale\":\(JSONText.number(model.scale))",
    ]
    let output = [
      "\"kind\":\(JSONText.string(predictor.outputKind.rawValue))",
      "\"width\":\(predictor.predictionWidth)",
      "\"classes\":\(classes)",
    ]
    let fields = [
      "\"name\":\(JSONText.string(model.name))",
      "\"model_version\":\(JSONText.string(model.version))",
      "\"input\":{\(input.joined(separator: ","))}",
      "\"output\":{\(output.joined(separator: ","))}",
      "\"parameters\":\(predictor.parameterCount)",
      "\"max_batch\":\(settings.maxBatch)",
      "\"max_samples_per_request\":\(settings.maxSamplesPerRequest)",
      "\"max_body_bytes\":\(settings.maxBodyBytes)",
      "\"request\":\(JSONText.string(decoder.expectedInput))",
    ]
    return "{" + fields.joined(separator: ",") + "}\n"
  }
}

/// `POST /v1/predict`'s answer: per sample, the class, its label and probability, the top
/// classes and every probability (or the values of a regression).
enum PredictionAnswer {
  static func json(_ predictions: [Float], model: ServedModel, topK: Int?) -> String {
    let predictor = model.predictor
    let width = max(predictor.predictionWidth, 1)
    var rows: [String] = []
    for row in 0..<(predictions.count / width) {
      let slice = Array(predictions[row * width..<(row + 1) * width])
      guard predictor.outputKind != .values else {
        rows.append("{\"values\":\(JSONText.numbers(slice))}")
        continue
      }
      let ranked = slice.indices.sorted {
        slice[$0] > slice[$1] || (slice[$0] == slice[$1] && $0 < $1)
      }
      let top = ranked.prefix(topK ?? min(3, width)).map { index in
        "{\"class\":\(index),\"label\":\(label(index, predictor)),\"probability\":\(JSONText.number(slice[index]))}"
      }
      let best = ranked[0]
      rows.append(
        "{\"class\":\(best),\"label\":\(label(best, predictor)),"
          + "\"probability\":\(JSONText.number(slice[best])),\"top\":[\(top.joined(separator: ","))],"
          + "\"probabilities\":\(JSONText.numbers(slice))}")
    }
    return "{\"model_version\":\(JSONText.string(model.version)),\"predictions\":["
      + rows.joined(separator: ",") + "]}\n"
  }

  /// A class's name when the weights have names, else its index as text.
  static func label(_ index: Int, _ predictor: Predictor) -> String {
    JSONText.string(
      predictor.classNames.flatMap { index < $0.count ? $0[index] : nil } ?? "class \(index)")
  }
}
