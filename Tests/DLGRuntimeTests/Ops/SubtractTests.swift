import DLGGraph
import DLGTestSupport

// Subtract: dy and −dy.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(Subtract(), inputs: [[3, 4], [3, 4]]))
}
