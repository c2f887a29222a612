import DLGGraph
import DLGTestSupport

// Log, of positive inputs.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .positive(Log(), inputs: 1, positive: [0]))
}
