import DLGGraph
import DLGTestSupport

// Transpose: its gradient is the inverse permutation.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(Transpose([0, 2, 1, 3]), "swap the middle axes", inputs: [[2, 3, 4, 5]]),
    .op(Transpose([2, 0, 1]), "rotate", inputs: [[3, 4, 5]]))
}
