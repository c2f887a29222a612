import DLGGraph
import DLGTestSupport

// Slice and Pad: each is the other's gradient (dy back at its place, zeros elsewhere).

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(Slice(offset: 1, width: 3), "last axis", inputs: [[2, 5]]),
    .op(Slice(axis: 1, offset: 2, width: 2), "middle axis", inputs: [[2, 5, 3]]),
    .op(Pad(axis: 1, before: 1, after: 2), inputs: [[2, 3, 4]]))
}
