import DLGGraph
import DLGTestSupport

// Max and average pooling, 2×2 and padded 3×3.

/// Pooling of each kind with a 2×2 and a padded 3×3 window.
private func pool(_ kind: Pool2D.Kind, _ window: Conv2DAttributes, _ variant: String)
  -> GradientCase
{
  .op(Pool2D(kind, window: window), "\(kind), \(variant)", inputs: [[2, 5, 6, 3]])
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    pool(.max, Conv2DAttributes(kernel: (2, 2), stride: (2, 2)), "2×2"),
    pool(.max, Conv2DAttributes(kernel: (3, 3), stride: (2, 2), padding: .same), "3×3 same"),
    pool(.average, Conv2DAttributes(kernel: (2, 2), stride: (2, 2)), "2×2"),
    pool(.average, Conv2DAttributes(kernel: (3, 3), stride: (2, 2), padding: .same), "3×3 same"))
}
