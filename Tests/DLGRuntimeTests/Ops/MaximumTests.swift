import DLGGraph
import DLGTestSupport

// Maximum: the gradient goes to the larger input.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(Maximum(), inputs: [[3, 4], [3, 4]]))
}
