import DLGGraph
import DLGTestSupport

// Concat along the last axis; each input gets its slice.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(Concat(), inputs: [[3, 2], [3, 4], [3, 1]]))
}
