import DLGData
import DLGGraph
import DLGLowering
import DLGPasses
import DLGRuntime
import Dispatch

extension Trainer {
  /// Loads the data sources named in the train section and checks them against the model.
  /// With `validation`, the returned training data lacks the held-out part, which is kept in
  /// `validationData` and evaluated after every epoch.
  public func loadData() throws(TrainingError) -> (train: Dataset, test: Dataset?) {
    guard let trainSpec = config.data else {
      throw .notTrainable("the train section needs a `data` source")
    }
    let classes = logitsClasses()
    var context = DataLoadContext()
    let train = try DataSources.load(trainSpec, context: &context)
    try DataSources.check(train, against: model, input: input, classes: classes, spec: trainSpec)
    var training = train
    if let fraction = config.validationFraction {
      guard train.count >= 2 else {
        throw .data("\(trainSpec.location.description): too few samples to hold some out")
      }
      let parts = train.split(holdingOut: fraction, seed: config.seed)
      (training, validationData) = (parts.kept, parts.heldOut)
    }
    var test: Dataset?
    if let testSpec = config.test {
      let loaded = try DataSources.load(testSpec, context: &context)
      try DataSources.check(loaded, against: model, input: input, classes: classes, spec: testSpec)
      test = loaded
    }
    self.vocabulary = context.vocabulary
    classNames = config.classNames ?? context.classNames
    dataNotes = context.notes
    return (training, test)
  }
}
