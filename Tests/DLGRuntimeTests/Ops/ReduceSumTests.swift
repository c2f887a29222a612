import DLGGraph
import DLGTestSupport

// ReduceSum and Broadcast: each is the other's gradient.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(ReduceSum(axis: -1), "last axis", inputs: [[2, 3, 4]]),
    .op(ReduceSum(axis: 1), "middle axis", inputs: [[2, 3, 4]]),
    .op(Broadcast(axis: 1, size: 3), inputs: [[2, 1, 4]]))
}
