import DLGGraph
import DLGTestSupport

// SquareRoot, of positive inputs.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .positive(SquareRoot(), inputs: 1, positive: [0]))
}
