import ArgumentParser
import DLG

/// `-O0`: run without any graph optimization (the baseline optimizations are measured against).
struct OptimizationOptions: ParsableArguments {
  @Flag(name: .customLong("O0", withSingleDash: true), help: "Disable every graph optimization.")
  var disabled = false

  var level: OptimizationLevel { disabled ? .none : .standard }
}
