/// Moving and summing data along one axis or many: the layout kernels attention and
/// normalization need (transpose, reduction along an axis, broadcast). Each splits its work
/// by fixed blocks, so results never depend on the thread count.
public enum TensorLayout {
  /// Writes `output` as `input` with its axes permuted: output axis `i` is input axis
  /// `permutation[i]`. When the last axis stays last, contiguous runs are copied whole.
  public static func transpose(
    _ input: UnsafePointer<Float>, dimensions: [Int], permutation: [Int],
    output: UnsafeMutablePointer<Float>
  ) {
    let rank = dimensions.count
    guard rank > 0 else { return }
    var inputStrides = [Int](repeating: 1, count: rank)
    for axis in stride(from: rank - 2, through: 0, by: -1) {
      inputStrides[axis] = inputStrides[axis + 1] * dimensions[axis + 1]
    }
    let outputDimensions = permutation.map { dimensions[$0] }
    let strides = permutation.map { inputStrides[$0] }
    // Copy runs along the last output axis: contiguous when it is also the input's last.
    let run = outputDimensions[rank - 1]
    let runStride = strides[rank - 1]
    let runs = outputDimensions.dropLast().reduce(1, *)
    guard run > 0 else { return }
    ThreadBudget.parallelFor(count: runs, minimumChunk: max(1, 16_384 / run)) { range in
      var index = [Int](repeating: 0, count: rank)
      // The multi-index of the first run of this range.
      var remainder = range.lowerBound
      for axis in stride(from: rank - 2, through: 0, by: -1) {
        index[axis] = remainder % outputDimensions[axis]
        remainder /= outputDimensions[axis]
      }
      for runIndex in range {
        var source = 0
        for axis in 0..<(rank - 1) { source += index[axis] * strides[axis] }
        let target = output + runIndex * run
        if runStride == 1 {
          target.update(from: input + source, count: run)
        } else {
          for j in 0..<run { target[j] = input[source + j * runStride] }
        }
        // Next multi-index, last axis fastest.
        var axis = rank - 2
        while axis >= 0 {
          index[axis] += 1
          if index[axis] < outputDimensions[axis] { break }
          index[axis] = 0
          axis -= 1
        }
      }
    }
  }

  /// Sums `input`, seen as `[outer, extent, inner]`, over its middle axis into
  /// `output[outer, inner]`.
  public static func sum(
    _ input: UnsafePointer<Float>, outer: Int, extent: Int, inner: Int,
    output: UnsafeMutablePointer<Float>
  ) {
    ThreadBudget.parallelFor(count: outer, minimumChunk: max(1, 16_384 / max(extent * inner, 1))) {
      range in
      for o in range {
        let target = output + o * inner
        if inner == 1 {
          // Along the last axis: one contiguous run per output element.
          let row = input + o * extent
          var sum: Float = 0
          for e in 0..<extent { sum += row[e] }
          target.pointee = sum
          continue
        }
        target.update(repeating: 0, count: inner)
        for e in 0..<extent {
          Elementwise.accumulate(count: inner, input + (o * extent + e) * inner, into: target)
        }
      }
    }
  }

  /// Repeats `input[outer, inner]` `extent` times into `output[outer, extent, inner]`.
  public static func broadcast(
    _ input: UnsafePointer<Float>, outer: Int, extent: Int, inner: Int,
    output: UnsafeMutablePointer<Float>
  ) {
    ThreadBudget.parallelFor(count: outer, minimumChunk: max(1, 16_384 / max(extent * inner, 1))) {
      range in
      for o in range {
        if inner == 1 {
          (output + o * extent).update(repeating: input[o], count: extent)
          continue
        }
        for e in 0..<extent {
          (output + (o * extent + e) * inner).update(from: input + o * inner, count: inner)
        }
      }
    }
  }
}
