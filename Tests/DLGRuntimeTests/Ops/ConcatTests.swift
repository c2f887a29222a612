import DLGGraph
import DLGTestSupport

// Concat along the last axis and a middle one; each input gets its slice.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(Concat(), inputs: [[3, 2], [3, 4], [3, 1]]),
    .op(Concat(axis: 1), "middle axis", inputs: [[2, 1, 3], [2, 4, 3]]))
}
