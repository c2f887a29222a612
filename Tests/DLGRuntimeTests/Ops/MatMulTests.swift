import DLGGraph
import DLGTestSupport

/// MatMul with every combination of transposed operands.
private func matMul(_ ta: Bool, _ tb: Bool) -> GradientCase {
  .op(
    MatMul(transposeA: ta, transposeB: tb), "transposeA \(ta), transposeB \(tb)",
    inputs: [ta ? [4, 3] : [3, 4], tb ? [5, 4] : [4, 5]], epsilon: 1e-2)
}

@used @section("dlg_registry")
private let registration: Registration = {
  GradientCases.register(
    matMul(false, false), matMul(false, true), matMul(true, false), matMul(true, true))
}

/// A left operand of rank 3 (a Dense layer on a sequence): its gradients are a product with a
/// rank-3 left operand and one summing over both operands' rows.
private let sequenceRows = GradientCase.op(
  MatMul(), "rows of a sequence", inputs: [[2, 3, 4], [4, 5]], epsilon: 1e-2)

@used @section("dlg_registry")
private let sequenceRegistration: Registration = {
  GradientCases.register(sequenceRows)
}
