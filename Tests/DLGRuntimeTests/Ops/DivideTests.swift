import DLGGraph
import DLGTestSupport

// Divide, by a positive divisor.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .positive(Divide(), inputs: 2, positive: [1]))
}
