import DLGGraph
import DLGTestSupport

// BiasAdd: the bias gets the column sums.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .op(BiasAdd(), inputs: [[6, 5], [5]]))
}
