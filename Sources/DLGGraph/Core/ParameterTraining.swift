/// How training treats each parameter: which stay as they are (`trainable: false`, `freeze`),
/// and which learn at a multiple of the optimizer's rate (`lr_mult:`, as Caffe's).
public struct ParameterTraining: Sendable, Equatable {
  /// Parameters with no gradient, no optimizer state and no update.
  public var frozen: Set<ValueID>
  /// Rate multipliers other than 1, by parameter.
  public var learningRateMultipliers: [ValueID: Float]

  public init(frozen: Set<ValueID> = [], learningRateMultipliers: [ValueID: Float] = [:]) {
    self.frozen = frozen
    self.learningRateMultipliers = learningRateMultipliers
  }

  /// The multiplier of a parameter's learning rate (1 unless set).
  public func multiplier(of parameter: ValueID) -> Float {
    learningRateMultipliers[parameter] ?? 1
  }
}
