import DLGGraph
import DLGTestSupport

// Conv2D: valid, strided same, and a rectangular kernel.

/// Conv2D over a 2-image NHWC batch with a 3-to-4-channel filter.
private func conv(_ attributes: Conv2DAttributes, _ variant: String) -> GradientCase {
  // A product of 27 to 54 terms per output: a larger step keeps float32 rounding out of it.
  .op(
    Conv2D(attributes), variant,
    inputs: [[2, 6, 7, 3], [attributes.kernelHeight, attributes.kernelWidth, 3, 4]], epsilon: 1e-2,
    tolerance: 2e-2)
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    conv(Conv2DAttributes(kernel: (3, 3)), "3×3 valid"),
    conv(Conv2DAttributes(kernel: (3, 3), stride: (2, 2), padding: .same), "3×3 stride 2 same"),
    conv(Conv2DAttributes(kernel: (2, 3), stride: (1, 2), padding: .valid), "2×3 stride 1×2"))
}
