import DLGGraph
import DLGTestSupport

// Multiply: each input gets dy times the other.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(Multiply(), inputs: [[3, 4], [3, 4]]))
}
