import DLGGraph
import DLGTestSupport

// The activations that are ops of their own; ReLU's kink at 0 is skipped by the checker.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(ReLU(), inputs: [[6, 5]]), .op(SmoothActivation(.sigmoid), "sigmoid", inputs: [[3, 7]]),
    .op(SmoothActivation(.tanh), "tanh", inputs: [[3, 7]]), .op(GELU(), inputs: [[4, 5]]),
    .op(Softmax(), inputs: [[3, 6]]), .op(Softmax(), "rank 3", inputs: [[2, 3, 4]]))
}
