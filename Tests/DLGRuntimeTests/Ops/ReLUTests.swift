import DLGGraph
import DLGTestSupport

// ReLU; its kink at 0 is skipped by the checker.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(ReLU(), inputs: [[6, 5]]))
}
