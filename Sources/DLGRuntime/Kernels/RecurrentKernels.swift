import DLGGraph
import DLGKernels

extension RecurrentCell {
  /// The kernels' name for the same cell.
  var kernel: Recurrence.Cell {
    switch self {
    case .lstm: .lstm
    case .gru: .gru
    case .tanh: .tanh
    case .relu: .relu
    }
  }
}

/// The loop's shapes from x `[N, T, D]`.
private func recurrenceShape(_ cell: RecurrentCell, units: Int, reverse: Bool, x: [Int])
  -> Recurrence.Shape
{
  Recurrence.Shape(
    cell: cell.kernel, batch: x[0], steps: x[1], features: x[2], units: units, reverse: reverse)
}

/// A recurrent loop is heavy when one step's recurrent product is: then every step splits
/// across threads. A small layer's loop runs on one thread, beside the other direction's.
private func stepSplits(_ cell: RecurrentCell, units: Int, x: [Int]) -> Bool {
  x[0] * cell.gates * units * units * 2 >= 1 << 20
}

extension Recurrent: CPUKernel {
  public func splitsAcrossThreads(inputs: [[Int]], outputs: [[Int]]) -> Bool? {
    stepSplits(cell, units: units, x: inputs[0])
  }

  public func scratchCount(inputs: [[Int]], outputs: [[Int]]) -> Int {
    Recurrence.forwardScratch(recurrenceShape(cell, units: units, reverse: reverse, x: inputs[0]))
  }

  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] {
    let x = inputs[0]
    let (n, t, d, g) = (x[0], x[1], x[2], cell.gates * units)
    return [MatrixProduct(m: n * t, n: g, k: d, transposeB: true)]
      + Array(
        repeating: MatrixProduct(m: n, n: g, k: units, transposeB: true), count: max(t - 1, 0))
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let shape = recurrenceShape(
      cell, units: units, reverse: reverse, x: binding.inputs[0].dimensions)
    let i = binding.inputs.map { UnsafePointer($0.floats) }
    let mask = masked ? i[5] : nil
    let hidden = binding.outputs[0].floats
    let saved = binding.outputs.count > 1 ? binding.outputs[1].floats : nil
    let scratch = binding.scratch
    return { _ in
      Recurrence.forward(
        shape, x: i[0], weightIH: i[1], weightHH: i[2], biasIH: i[3], biasHH: i[4], mask: mask,
        hidden: hidden, saved: saved, scratch: scratch)
    }
  }
}

extension RecurrentGradient: CPUKernel {
  public func splitsAcrossThreads(inputs: [[Int]], outputs: [[Int]]) -> Bool? {
    stepSplits(cell, units: units, x: inputs[0])
  }

  public func scratchCount(inputs: [[Int]], outputs: [[Int]]) -> Int {
    Recurrence.backwardScratch(recurrenceShape(cell, units: units, reverse: reverse, x: inputs[0]))
  }

  public func matrixProducts(inputs: [[Int]], outputs: [[Int]]) -> [MatrixProduct] {
    let x = inputs[0]
    let (n, t, d, g) = (x[0], x[1], x[2], cell.gates * units)
    return Array(repeating: MatrixProduct(m: n, n: units, k: g), count: max(t - 1, 0)) + [
      MatrixProduct(m: g, n: d, k: n * t, transposeA: true),
      MatrixProduct(m: g, n: units, k: n * t, transposeA: true),
      MatrixProduct(m: n * t, n: d, k: g),
    ]
  }

  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let shape = recurrenceShape(
      cell, units: units, reverse: reverse, x: binding.inputs[0].dimensions)
    let i = binding.inputs.map { UnsafePointer($0.floats) }
    let hasSaved = cell.savedPerUnit > 0
    let saved = hasSaved ? i[5] : nil
    let mask = masked ? i[hasSaved ? 6 : 5] : nil
    let o = binding.outputs.map(\.floats)
    let scratch = binding.scratch!
    return { _ in
      Recurrence.backward(
        shape, x: i[0], weightIH: i[1], weightHH: i[2], hidden: i[3], dHidden: i[4],
        saved: saved, mask: mask, dx: o[0], dWeightIH: o[1], dWeightHH: o[2], dBiasIH: o[3],
        dBiasHH: o[4], scratch: scratch)
    }
  }
}
