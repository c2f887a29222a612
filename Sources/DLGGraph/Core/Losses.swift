import DLGSource

/// A loss op: reads the network's predictions (input 0) and what they should have been
/// (input 1), gives a scalar. Training asks it how many classes its predictions have, for
/// the per-class metrics, instead of knowing each loss by type.
public protocol LossOp: Operator {
  /// The number of classes predictions of this type stand for (2 for one logit of a binary
  /// classifier), or nil when the loss is not a classification (regression).
  func classCount(predictions: TensorType) -> Int?
}

/// What a loss compares the predictions with: integer class `labels`, or float `targets` of the
/// predictions' shape (regression). Data sources fill the one the loss asks for.
public enum LossTarget: String, Sendable {
  case labels
  case targets
}

/// The metrics a train section may ask for, all computed from a classifier's predictions.
public enum MetricNames {
  public static let all = ["accuracy", "precision", "recall", "f1", "confusion"]
  /// The metrics that need each sample's predicted class, not only a count of correct ones.
  public static let perClass: Set<String> = ["precision", "recall", "f1", "confusion"]
}

/// The nodes a loss added to a graph.
public struct LossNodes: Sendable {
  /// The new graph input holding the labels or targets of a batch.
  public var target: ValueID
  public var loss: ValueID
  /// Correct predictions in the batch (a count), when accuracy was asked for.
  public var correct: ValueID?
  /// Each sample's predicted class, when precision, recall, F1 or the confusion matrix were.
  public var predicted: ValueID?

  public init(target: ValueID, loss: ValueID, correct: ValueID? = nil, predicted: ValueID? = nil) {
    self.target = target
    self.loss = loss
    self.correct = correct
    self.predicted = predicted
  }
}

/// A loss a train section names: `loss softmax_cross_entropy(out, labels)`.
public struct LossFunction: Sendable {
  public var name: String
  public var target: LossTarget
  /// One line for documentation and an editor's hover.
  public var summary: String
  /// Appends the loss of `prediction` (and the metrics in `metrics`: `accuracy`, `precision`,
  /// ...) to `graph`, at `location`. A `targets` loss compares with `given` when there is one
  /// (an autoencoder's input, `mse(decoded, image)`), else with a new input of targets.
  public var lower:
    @Sendable (
      _ prediction: ValueID, _ given: ValueID?, _ metrics: Set<String>, _ graph: inout Graph,
      SourceRange?
    ) throws(GraphError) -> LossNodes

  public init(
    name: String, target: LossTarget, summary: String,
    lower:
      @escaping @Sendable (ValueID, ValueID?, Set<String>, inout Graph, SourceRange?)
      throws(GraphError) -> LossNodes
  ) {
    self.name = name
    self.target = target
    self.summary = summary
    self.lower = lower
  }
}

/// Every loss linked into the program, by name; each registers itself beside its op.
public enum LossRegistry {
  private static let table = RegistryTable<LossFunction>()

  private static let byName: [String: LossFunction] = {
    var result: [String: LossFunction] = [:]
    for loss in table.all {
      precondition(result[loss.name] == nil, "two losses are called \(loss.name)")
      result[loss.name] = loss
    }
    return result
  }()

  /// Registers a loss; called from a file's `Registration`.
  public static func register(_ loss: LossFunction) { table.add(loss) }

  /// The loss called `name`, if any.
  public static func named(_ name: String) -> LossFunction? { byName[name] }

  /// Every loss name, sorted.
  public static var names: [String] { byName.keys.sorted() }
}

extension Graph {
  /// The value a classification loss should read: the logits before a final softmax (or, for
  /// a binary loss, a final sigmoid). A network drawn ending in probabilities, as Mermaid
  /// diagrams usually are, trains on its logits: the cross-entropy of the probabilities is
  /// exactly the one computed from the logits, and this way is numerically stable.
  public func logits(before prediction: ValueID, binary: Bool) -> ValueID {
    guard let producer = self[prediction].producer else { return prediction }
    let op = nodes[producer].op
    if (!binary && op is Softmax) || (binary && (op as? SmoothActivation)?.kind == .sigmoid) {
      return nodes[producer].inputs[0]
    }
    return prediction
  }

  /// A classification loss and its metrics: `loss` and `correct` read logits and `i32[N]`
  /// labels; `predicted` the logits alone.
  public mutating func appendClassification(
    loss: any LossOp, correct: any Operator, logits: ValueID, metrics: Set<String>,
    location: SourceRange?
  ) throws(GraphError) -> LossNodes {
    // One label per row of logits: per sample, or per position of a sequence.
    let rows = Array(self[logits].type.shape.dropLast())
    if rows.count > 1, !metrics.isDisjoint(with: MetricNames.perClass) {
      throw GraphError(
        "precision, recall, F1 and the confusion matrix are for one class per sample, not "
          + "one per position", help: "ask for `metrics accuracy` (per position) instead")
    }
    let labels = addInput("labels", TensorType(.int32, rows.isEmpty ? [.batch] : rows))
    var nodes = LossNodes(
      target: labels,
      loss: try applySingleOutput(loss, [logits, labels], name: "loss", location: location))
    if metrics.contains("accuracy") {
      nodes.correct = try applySingleOutput(
        correct, [logits, labels], name: "accuracy", location: location)
    }
    if !metrics.isDisjoint(with: MetricNames.perClass) {
      nodes.predicted = try applySingleOutput(
        PredictedClass(), [logits], name: "predicted", location: location)
    }
    return nodes
  }
}
