import DLGGraph
import DLGLang

/// Layers that wrap another layer, as Keras writes them: `Bidirectional[LSTM[64]]` is
/// `LSTM[64, bidirectional: true]`. Unwrapped before the layer is looked up, so everything
/// after (arguments, shapes, diagrams) sees the layer that runs.
enum LayerWrappers {
  static let recurrent: Set<String> = ["LSTM", "GRU", "RNN", "SimpleRNN"]

  /// The declaration with its wrapper removed, or the declaration unchanged; a wrapper around
  /// something it cannot wrap is a diagnostic.
  static func unwrap(_ decl: LayerDecl) -> (LayerDecl, Diagnostic?) {
    guard decl.type.name == "Bidirectional" else { return (decl, nil) }
    guard decl.arguments.count == 1, decl.arguments[0].label == nil,
      case .call(let inner, var arguments) = decl.arguments[0].value.kind,
      recurrent.contains(inner.name)
    else {
      return (
        decl,
        Diagnostic(
          code: "E205", "Bidirectional wraps one recurrent layer", at: decl.type.range,
          help: "write `Bidirectional[LSTM[64]]` (or GRU, RNN), or `LSTM[64, bidirectional: true]`")
      )
    }
    let end = arguments.last?.range ?? inner.range
    arguments.append(
      Argument(
        label: Identifier(name: "bidirectional", range: end),
        value: Expression(.identifier("true"), range: end), range: end))
    var unwrapped = decl
    unwrapped.type = inner
    unwrapped.arguments = arguments
    // Diagrams show the layer that runs; the label keeps the wrapper in the picture.
    unwrapped.label = decl.label ?? "bidirectional"

    return (unwrapped, nil)
  }
}
