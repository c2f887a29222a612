import DLGGraph
import DLGTestSupport

// Scale by a constant.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(Scale(-2.5), inputs: [[3, 4]]))
}
