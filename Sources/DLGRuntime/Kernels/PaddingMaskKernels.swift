import DLGGraph
import DLGKernels

extension PaddingMask: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let count = binding.inputs[0].count
    let (ids, mask) = (UnsafePointer(binding.inputs[0].ints), binding.outputs[0].floats)
    return { _ in for i in 0..<count { mask[i] = ids[i] != 0 ? 1 : 0 } }
  }
}

extension MaskKeys: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let x = binding.inputs[0]
    let keys = x.dimensions.last ?? 1
    let batch = x.dimensions.first ?? 1
    let rowsPerSample = x.count / max(batch * keys, 1)
    let (px, mask, py, fill) = (
      UnsafePointer(x.floats), UnsafePointer(binding.inputs[1].floats), binding.outputs[0].floats,
      fill
    )
    return { _ in
      for sample in 0..<batch {
        let m = mask + sample * keys
        for r in 0..<rowsPerSample {
          let offset = (sample * rowsPerSample + r) * keys
          for k in 0..<keys { py[offset + k] = m[k] == 0 ? fill : px[offset + k] }
        }
      }
    }
  }
}

/// The sizes of a masked pooling: samples, steps, channels.
private func poolSizes(_ x: TensorBuffer) -> (n: Int, t: Int, d: Int) {
  (x.dimensions[0], x.dimensions[1], x.dimensions[2])
}

/// The steps of one sample whose mask is not 0.
@inline(__always)
private func realSteps(_ mask: UnsafePointer<Float>, _ steps: Int) -> Int {
  var count = 0
  for step in 0..<steps where mask[step] != 0 { count += 1 }
  return count
}

extension MaskedSequencePool: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (n, t, d) = poolSizes(binding.inputs[0])
    let (x, mask) = (
      UnsafePointer(binding.inputs[0].floats), UnsafePointer(binding.inputs[1].floats)
    )
    let y = binding.outputs[0].floats
    let max = max
    return { _ in
      for sample in 0..<n {
        let out = y + sample * d
        let real = realSteps(mask + sample * t, t)
        out.update(repeating: max && real > 0 ? -.infinity : 0, count: d)
        for step in 0..<t where mask[sample * t + step] != 0 {
          let row = x + (sample * t + step) * d
          for c in 0..<d { out[c] = max ? Swift.max(out[c], row[c]) : out[c] + row[c] }
        }
        if !max, real > 0 {
          let inverse = 1 / Float(real)
          for c in 0..<d { out[c] *= inverse }
        }
      }
    }
  }
}

extension MaskedSequencePoolGradient: CPUKernel {
  public func makeKernel(_ binding: KernelBinding) -> Kernel {
    let (n, t, d) = poolSizes(binding.inputs[0])
    let (x, mask, dy) = (
      UnsafePointer(binding.inputs[0].floats), UnsafePointer(binding.inputs[1].floats),
      UnsafePointer(binding.inputs[2].floats)
    )
    let dx = binding.outputs[0].floats
    let max = max
    return { _ in
      dx.update(repeating: 0, count: n * t * d)
      for sample in 0..<n {
        let m = mask + sample * t
        let real = realSteps(m, t)
        guard real > 0 else { continue }
        let g = dy + sample * d
        if max {
          // The first step holding the maximum takes the gradient, as the forward pass kept it.
          for c in 0..<d {
            var best = -1
            for step in 0..<t where m[step] != 0 {
              if best < 0 || x[(sample * t + step) * d + c] > x[(sample * t + best) * d + c] {
                best = step
              }
            }
            dx[(sample * t + best) * d + c] = g[c]
          }
        } else {
          let share = 1 / Float(real)
          for step in 0..<t where m[step] != 0 {
            let row = dx + (sample * t + step) * d
            for c in 0..<d { row[c] = g[c] * share }
          }
        }
      }
    }
  }
}
