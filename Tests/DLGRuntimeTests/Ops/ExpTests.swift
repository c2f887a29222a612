import DLGGraph
import DLGTestSupport

// Exp: dy · y.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(Exp(), inputs: [[3, 4]]))
}
