import DLGGraph

/// The learning-rate schedules a train section may name: `schedule cosine(warmup: 100)`.
public enum Schedules {
  public static let table = TrainingCallTable<LearningRateSchedule>(kind: "learning-rate schedule")

  static let constant = TrainingCall<LearningRateSchedule>(
    "constant", parameters: [], summary: "the optimizer's rate throughout"
  ) { _, _ in .constant }

  static let cosine = TrainingCall<LearningRateSchedule>(
    "cosine",
    parameters: [
      ParameterSpec("warmup", .count, default: .integer(0), positional: false)
    ],
    summary: "a half cosine from the rate down to 0 over the run, after a linear warm-up"
  ) { arguments, _ in .cosine(warmup: arguments.integer("warmup")) }

  static let warmup = TrainingCall<LearningRateSchedule>(
    "warmup", parameters: [ParameterSpec("steps", .count, positional: false)],
    summary: "rising linearly from 0 to the rate over `steps` steps, then constant"
  ) { arguments, _ in .warmup(steps: arguments.integer("steps")) }

  static let step = TrainingCall<LearningRateSchedule>(
    "step",
    parameters: [
      ParameterSpec("every", .integer, positional: false),
      ParameterSpec("factor", .nonNegativeNumber, default: .float(0.1), positional: false),
    ], summary: "multiplied by `factor` every `every` epochs"
  ) { arguments, _ in .step(every: arguments.integer("every"), factor: arguments.float("factor"))
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  Schedules.table.register(Schedules.constant, Schedules.cosine, Schedules.warmup, Schedules.step)
}
