/// Why training stopped: each case reads as a complete message for the user.
public enum TrainingError: Error, Sendable, CustomStringConvertible {
  case notTrainable(String)
  case data(String)
  case nonFiniteLoss(epoch: Int, batch: Int, value: Float)
  case checkpoint(String)
  case interrupted(epoch: Int, batch: Int, checkpoint: String)

  public var description: String {
    switch self {
    case .notTrainable(let why): why
    case .data(let why): why
    case .nonFiniteLoss(let epoch, let batch, let value):
      "the loss became \(value) at epoch \(epoch), batch \(batch): training diverged. "
        + "Lower the learning rate, or check the data for NaN or huge values; "
        + "the last saved checkpoint is kept."
    case .checkpoint(let why): why
    case .interrupted(let epoch, let batch, let checkpoint):
      "interrupted at epoch \(epoch), batch \(batch); the checkpoint \(checkpoint) holds "
        + "everything so far: continue with --resume \(checkpoint)"
    }
  }
}
