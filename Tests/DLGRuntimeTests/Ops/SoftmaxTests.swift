import DLGGraph
import DLGTestSupport

// Softmax over the last axis, on rank 2 and rank 3.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(Softmax(), inputs: [[3, 6]]), .op(Softmax(), "rank 3", inputs: [[2, 3, 4]]))
}
