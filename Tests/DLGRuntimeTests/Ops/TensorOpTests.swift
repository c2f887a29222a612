import DLGGraph
import DLGTestSupport

// The tensor ops attention and normalization are built from.

/// Batched products of `[2, 3, ·, ·]` stacks with every combination of transposes.
private func batched(_ ta: Bool, _ tb: Bool) -> GradientCase {
  .op(
    BatchedMatMul(transposeA: ta, transposeB: tb), "transposeA \(ta), transposeB \(tb)",
    inputs: [ta ? [2, 3, 4, 5] : [2, 3, 5, 4], tb ? [2, 3, 6, 4] : [2, 3, 4, 6]], epsilon: 1e-2)
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    batched(false, false), batched(false, true), batched(true, false), batched(true, true),
    .op(Transpose([0, 2, 1, 3]), "swap the middle axes", inputs: [[2, 3, 4, 5]]),
    .op(Transpose([2, 0, 1]), "rotate", inputs: [[3, 4, 5]]),
    .op(ReduceSum(axis: -1), "last axis", inputs: [[2, 3, 4]]),
    .op(ReduceSum(axis: 1), "middle axis", inputs: [[2, 3, 4]]),
    .op(Broadcast(axis: 1, size: 3), inputs: [[2, 1, 4]]))
}
