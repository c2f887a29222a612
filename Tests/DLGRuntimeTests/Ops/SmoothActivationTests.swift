import DLGGraph
import DLGTestSupport

// Sigmoid and tanh, from their outputs.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(SmoothActivation(.sigmoid), "sigmoid", inputs: [[3, 7]]),
    .op(SmoothActivation(.tanh), "tanh", inputs: [[3, 7]]))
}
