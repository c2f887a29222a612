import DLGGraph
import DLGLang

/// Options any layer or block use may carry about how it trains, rather than what it
/// computes: `trainable: false` (its parameters stay as they are), `lr_mult: 0.1` (they learn
/// at a tenth of the rate, as Caffe's `lr_mult`) and `stage: pretrain` (the layer runs only
/// while that stage trains, and passes its input through everywhere else: the corruption of
/// a denoising autoencoder). They are taken off the arguments before the layer's own are bound.
struct LayerTrainingOptions {
  static let names = ["trainable", "lr_mult", "stage"]

  var trainable = true
  var learningRateMultiplier: Float = 1
  /// The stages the layer runs in; empty for every stage and for inference.
  var stages: [String] = []
  var stageRange: SourceRange?

  /// The declaration without these options, the options, and what was wrong with them.
  static func split(_ decl: LayerDecl) -> (LayerDecl, LayerTrainingOptions, [Diagnostic]) {
    var options = LayerTrainingOptions()
    var diagnostics: [Diagnostic] = []
    var kept = decl
    kept.arguments = decl.arguments.filter { argument in
      guard let label = argument.label, names.contains(label.name) else { return true }
      switch label.name {
      case "trainable":
        guard case .identifier(let word) = argument.value.kind, word == "true" || word == "false"
        else {
          diagnostics.append(
            Diagnostic(
              code: "E225", "`trainable:` takes true or false", at: argument.value.range,
              help: "write `trainable: false` to keep this layer's weights as they are"))
          return false
        }
        options.trainable = word == "true"
      case "lr_mult":
        guard let value = (try? ConstantEvaluator.evaluate(argument.value))?.number,
          value >= 0, value <= 1000, value.isFinite
        else {
          diagnostics.append(
            Diagnostic(
              code: "E225", "`lr_mult:` takes a factor from 0 to 1000", at: argument.value.range,
              help: "write `lr_mult: 0.1` to train this layer at a tenth of the learning rate"))
          return false
        }
        options.learningRateMultiplier = Float(value)
      default:
        let items: [Expression]
        if case .list(let list) = argument.value.kind {
          items = list
        } else {
          items = [argument.value]
        }
        var stages: [String] = []
        for item in items {
          guard case .identifier(let name) = item.kind else {
            diagnostics.append(
              Diagnostic(
                code: "E225", "`stage:` names the train stages the layer runs in",
                at: item.range, help: "write `stage: pretrain`, after a section `train pretrain`"))
            return false
          }
          stages.append(name)
        }
        options.stages = stages
        options.stageRange = argument.value.range
      }
      return false
    }
    return (kept, options, diagnostics)
  }

  /// Applies the options to the parameters a layer (or a block use) created.
  func apply(to parameters: [ValueID], _ training: inout ParameterTraining) {
    for parameter in parameters {
      if !trainable || learningRateMultiplier == 0 { training.frozen.insert(parameter) }
      if learningRateMultiplier != 1 {
        // Inside a block, a layer's own factor and the block use's multiply.
        training.learningRateMultipliers[parameter] =
          training.multiplier(of: parameter) * learningRateMultiplier
      }
    }
  }
}
