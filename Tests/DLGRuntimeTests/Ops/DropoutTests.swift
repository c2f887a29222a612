import DLGGraph
import DLGTestSupport

// Dropout in training mode: the same mask forward and backward.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(Dropout(rate: 0.5, salt: 3), inputs: [[4, 9]], trainingMode: true))
}
