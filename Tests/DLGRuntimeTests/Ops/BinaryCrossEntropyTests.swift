import DLGGraph
import DLGTestSupport

// Binary cross-entropy against fixed 0/1 labels.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .classification(BinaryCrossEntropyLoss(), rows: 5, columns: 1, labels: [0, 1, 1, 0, 1]))
}
