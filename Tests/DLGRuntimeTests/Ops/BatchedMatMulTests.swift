import DLGGraph
import DLGTestSupport

// BatchedMatMul with every combination of transposes.

/// Batched products of `[2, 3, ·, ·]` stacks with every combination of transposes.
private func batched(_ ta: Bool, _ tb: Bool) -> GradientCase {
  .op(
    BatchedMatMul(transposeA: ta, transposeB: tb), "transposeA \(ta), transposeB \(tb)",
    inputs: [ta ? [2, 3, 4, 5] : [2, 3, 5, 4], tb ? [2, 3, 6, 4] : [2, 3, 4, 6]], epsilon: 1e-2)
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    batched(false, false), batched(false, true), batched(true, false), batched(true, true))
}
