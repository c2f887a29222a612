import DLGGraph
import DLGTestSupport

// GELU, from its input.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(GELU(), inputs: [[4, 5]]))
}
