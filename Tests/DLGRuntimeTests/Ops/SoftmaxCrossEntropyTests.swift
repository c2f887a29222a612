import DLGGraph
import DLGTestSupport

// Softmax cross-entropy against fixed labels.

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    .classification(SoftmaxCrossEntropy(), rows: 4, columns: 5, labels: [0, 3, 4, 1]))
}
