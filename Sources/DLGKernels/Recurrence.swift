#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The loops of recurrent layers (LSTM, GRU, Elman RNN), forward and backward through time.
///
/// Layouts, row-major: x `[N, T, D]`; weights `[G·H, D]` and `[G·H, H]` with PyTorch's gate
/// order; hidden `[N, T, H]`; saved `[N, T, S·H]` per step and sample: the LSTM's activated
/// gates i, f, g, o and its cell state (S = 5), the GRU's activated r, z, n and the candidate's
/// hidden projection `U_n h + b_hn` (S = 4). The input projection of every step is one GEMM
/// into `saved` (or, for the RNN, into `hidden`) before the loop; each step adds the recurrent
/// product for its time slice (a strided view: row stride `T · width`), then runs the gates
/// over the batch's rows in parallel. Backward, each step's gate gradients go into a
/// `[N, T, G·H]` buffer, so the weight gradients and dx are single GEMMs after the loop.
public enum Recurrence {
  /// The shapes of one recurrent op.
  public struct Shape: Sendable {
    public var cell: Cell
    public var batch, steps, features, units: Int
    public var reverse: Bool

    public init(cell: Cell, batch: Int, steps: Int, features: Int, units: Int, reverse: Bool) {
      (self.cell, self.batch, self.steps, self.features, self.units) = (
        cell, batch, steps, features, units
      )
      self.reverse = reverse
    }

    var gateWidth: Int { cell.gates * units }
    var savedWidth: Int { cell.savedPerUnit * units }
    /// The time index of the s-th step taken, and of the step before it.
    @inline(__always) func time(_ s: Int) -> Int { reverse ? steps - 1 - s : s }
    @inline(__always) func previous(_ s: Int) -> Int { reverse ? steps - s : s - 1 }
    /// Rows per thread in the gate loops: about 4 K values.
    var rowChunk: Int { max(1, 4096 / max(units, 1)) }
  }

  /// The kernels' view of a cell (the IR's `RecurrentCell`).
  public enum Cell: Sendable {
    case lstm, gru, tanh, relu
    var gates: Int {
      switch self {
      case .lstm: 4
      case .gru: 3
      case .tanh, .relu: 1
      }
    }
    var savedPerUnit: Int {
      switch self {
      case .lstm: 5
      case .gru: 4
      case .tanh, .relu: 0
      }
    }
  }

  /// Floats of workspace the forward pass needs: the GRU's per-step hidden projection.
  public static func forwardScratch(_ shape: Shape) -> Int {
    shape.cell == .gru ? shape.batch * shape.gateWidth : 0
  }

  /// Floats of workspace the backward pass needs: the gate gradients of every step (twice for
  /// the GRU, whose input and hidden sides differ), the previous hidden state of every step,
  /// and the carried gradients of h (and the LSTM's c).
  public static func backwardScratch(_ shape: Shape) -> Int {
    let all = shape.batch * shape.steps
    let gates = all * shape.gateWidth * (shape.cell == .gru ? 2 : 1)
    return gates + all * shape.units + 2 * shape.batch * shape.units
  }

  // MARK: Forward

  /// hidden (and saved) from x, the weights and biases; `mask` (one value per step and
  /// sample, 0 for padding) may be nil.
  public static func forward(
    _ shape: Shape, x: UnsafePointer<Float>, weightIH: UnsafePointer<Float>,
    weightHH: UnsafePointer<Float>, biasIH: UnsafePointer<Float>, biasHH: UnsafePointer<Float>,
    mask: UnsafePointer<Float>?, hidden: UnsafeMutablePointer<Float>,
    saved: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>?
  ) {
    let (n, t, h) = (shape.batch, shape.steps, shape.units)
    let g = shape.gateWidth
    // The pre-activations of every step's input side: saved for LSTM/GRU, hidden for RNN.
    let (projection, stride) = saved.map { ($0, shape.savedWidth) } ?? (hidden, h)
    GEMM.multiply(
      transposeA: false, transposeB: true, m: n * t, n: g, k: shape.features, alpha: 1, a: x,
      lda: shape.features, b: weightIH, ldb: shape.features, beta: 0, c: projection, ldc: stride)
    // LSTM and RNN add both biases now; the GRU's hidden bias belongs inside r · (Uh + b).
    let hiddenBiasNow = shape.cell != .gru
    ThreadBudget.parallelFor(count: n * t, minimumChunk: shape.rowChunk) { rows in
      for row in rows {
        let p = projection + row * stride
        for j in 0..<g { p[j] += biasIH[j] + (hiddenBiasNow ? biasHH[j] : 0) }
      }
    }
    for s in 0..<t {
      let (time, before) = (shape.time(s), shape.previous(s))
      switch shape.cell {
      case .lstm, .tanh, .relu:
        if s > 0 {
          GEMM.multiply(
            transposeA: false, transposeB: true, m: n, n: g, k: h, alpha: 1,
            a: hidden + before * h, lda: t * h, b: weightHH, ldb: h, beta: 1,
            c: projection + time * stride, ldc: t * stride)
        }
      case .gru:
        // hh = h_prev · Uᵀ + b_hh (just the bias at the first step).
        let hh = scratch!
        for row in 0..<n { (hh + row * g).update(from: biasHH, count: g) }
        if s > 0 {
          GEMM.multiply(
            transposeA: false, transposeB: true, m: n, n: g, k: h, alpha: 1,
            a: hidden + before * h, lda: t * h, b: weightHH, ldb: h, beta: 1, c: hh, ldc: g)
        }
      }
      ThreadBudget.parallelFor(count: n, minimumChunk: shape.rowChunk) { rows in
        for sample in rows {
          let row = sample * t + time
          let hOut = hidden + row * h
          let hPrev: UnsafeMutablePointer<Float>? = s > 0 ? hidden + (sample * t + before) * h : nil
          let keep = mask.map { $0[row] == 0 } ?? false
          switch shape.cell {
          case .lstm:
            let gates = saved! + row * stride
            let cPrev: UnsafeMutablePointer<Float>? =
              s > 0 ? saved! + (sample * t + before) * stride + 4 * h : nil
            lstmStep(units: h, gates: gates, cPrev: cPrev, hPrev: hPrev, keep: keep, h: hOut)
          case .gru:
            gruStep(
              units: h, gates: saved! + row * stride, hh: scratch! + sample * g, hPrev: hPrev,
              keep: keep, h: hOut)
          case .tanh, .relu:
            if keep {
              for j in 0..<h { hOut[j] = hPrev?[j] ?? 0 }
            } else if shape.cell == .tanh {
              VectorMath.tanh(count: h, hOut, hOut)
            } else {
              for j in 0..<h { hOut[j] = max(hOut[j], 0) }
            }
          }
        }
      }
    }
  }

  /// One LSTM step for one sample: activates the gates in place, writes c (after the gates)
  /// and h. A padded step (`keep`) carries c and h over unchanged.
  @inline(__always)
  static func lstmStep(
    units h: Int, gates: UnsafeMutablePointer<Float>, cPrev: UnsafeMutablePointer<Float>?,
    hPrev: UnsafeMutablePointer<Float>?, keep: Bool, h hOut: UnsafeMutablePointer<Float>
  ) {
    let c = gates + 4 * h
    if keep {
      for j in 0..<h {
        c[j] = cPrev?[j] ?? 0
        hOut[j] = hPrev?[j] ?? 0
      }
      return
    }
    // i and f, then g, then o, each a contiguous run activated in place.
    VectorMath.sigmoid(count: 2 * h, gates, gates)
    VectorMath.tanh(count: h, gates + 2 * h, gates + 2 * h)
    VectorMath.sigmoid(count: h, gates + 3 * h, gates + 3 * h)
    for j in 0..<h { c[j] = gates[h + j] * (cPrev?[j] ?? 0) + gates[j] * gates[2 * h + j] }
    VectorMath.tanh(count: h, c, hOut)
    for j in 0..<h { hOut[j] *= gates[3 * h + j] }
  }

  /// One GRU step for one sample: `gates` holds the input side's pre-activations (with b_ih)
  /// and receives r, z, n and the candidate's hidden projection; `hh` is `U h + b_hh`.
  @inline(__always)
  static func gruStep(
    units h: Int, gates: UnsafeMutablePointer<Float>, hh: UnsafePointer<Float>,
    hPrev: UnsafeMutablePointer<Float>?, keep: Bool, h hOut: UnsafeMutablePointer<Float>
  ) {
    if keep {
      for j in 0..<h { hOut[j] = hPrev?[j] ?? 0 }
      for j in 0..<4 * h { gates[j] = 0 }
      return
    }
    // r and z from both sides; then the candidate from r and the hidden projection.
    for j in 0..<2 * h { gates[j] += hh[j] }
    VectorMath.sigmoid(count: 2 * h, gates, gates)
    for j in 0..<h {
      gates[3 * h + j] = hh[2 * h + j]
      gates[2 * h + j] += gates[j] * hh[2 * h + j]
    }
    VectorMath.tanh(count: h, gates + 2 * h, gates + 2 * h)
    for j in 0..<h {
      let z = gates[h + j]
      hOut[j] = (1 - z) * gates[2 * h + j] + z * (hPrev?[j] ?? 0)
    }
  }

  // MARK: Backward

  /// dx and the weight and bias gradients from dHidden (the gradient of every step's hidden
  /// state), with the forward pass's hidden and saved values.
  public static func backward(
    _ shape: Shape, x: UnsafePointer<Float>, weightIH: UnsafePointer<Float>,
    weightHH: UnsafePointer<Float>, hidden: UnsafePointer<Float>,
    dHidden: UnsafePointer<Float>, saved: UnsafePointer<Float>?, mask: UnsafePointer<Float>?,
    dx: UnsafeMutablePointer<Float>, dWeightIH: UnsafeMutablePointer<Float>,
    dWeightHH: UnsafeMutablePointer<Float>, dBiasIH: UnsafeMutablePointer<Float>,
    dBiasHH: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
  ) {
    let (n, t, h, d) = (shape.batch, shape.steps, shape.units, shape.features)
    let g = shape.gateWidth
    let all = n * t
    // Workspace: input-side gate gradients, hidden-side ones (GRU only; the others share),
    // every step's previous hidden state, and the carried dh and dc.
    let dGates = scratch
    let dGatesHidden = shape.cell == .gru ? dGates + all * g : dGates
    let hPrevAll = dGates + all * g * (shape.cell == .gru ? 2 : 1)
    let dhNext = hPrevAll + all * h
    let dcNext = dhNext + n * h
    dhNext.update(repeating: 0, count: 2 * n * h)
    let savedStride = shape.savedWidth
    for s in stride(from: t - 1, through: 0, by: -1) {
      let (time, before) = (shape.time(s), shape.previous(s))
      ThreadBudget.parallelFor(count: n, minimumChunk: shape.rowChunk) { rows in
        for sample in rows {
          let row = sample * t + time
          let dhCarried = dhNext + sample * h
          let hPrev: UnsafePointer<Float>? =
            s > 0 ? hidden + (sample * t + before) * h : nil
          let keep = mask.map { $0[row] == 0 } ?? false
          let dgx = dGates + row * g
          let dgh = dGatesHidden + row * g
          if keep {
            // The state passed through: its gradients do too, and no gate had any.
            for j in 0..<h { dhCarried[j] += dHidden[row * h + j] }
            dgx.update(repeating: 0, count: g)
            if shape.cell == .gru { dgh.update(repeating: 0, count: g) }
            continue
          }
          switch shape.cell {
          case .lstm:
            let gates = saved! + row * savedStride
            let cPrev: UnsafePointer<Float>? =
              s > 0 ? saved! + (sample * t + before) * savedStride + 4 * h : nil
            let dc = dcNext + sample * h
            // tanh(c) into the o gate's slot of dgx, which each j reads before writing.
            VectorMath.tanh(count: h, gates + 4 * h, dgx + 3 * h)
            for j in 0..<h {
              let dh = dHidden[row * h + j] + dhCarried[j]
              let (i, f, gg, o) = (gates[j], gates[h + j], gates[2 * h + j], gates[3 * h + j])
              let tc = dgx[3 * h + j]
              let dcj = dc[j] + dh * o * (1 - tc * tc)
              let cp = cPrev?[j] ?? 0
              dgx[j] = dcj * gg * i * (1 - i)
              dgx[h + j] = dcj * cp * f * (1 - f)
              dgx[2 * h + j] = dcj * i * (1 - gg * gg)
              dgx[3 * h + j] = dh * tc * o * (1 - o)
              dc[j] = dcj * f
              dhCarried[j] = 0  // the recurrent product below fills it
            }
          case .gru:
            let gates = saved! + row * savedStride
            for j in 0..<h {
              let dh = dHidden[row * h + j] + dhCarried[j]
              let (r, z, cand, hn) = (gates[j], gates[h + j], gates[2 * h + j], gates[3 * h + j])
              let hp = hPrev?[j] ?? 0
              let dCandidate = dh * (1 - z) * (1 - cand * cand)
              let dr = dCandidate * hn * r * (1 - r)
              let dz = dh * (hp - cand) * z * (1 - z)
              (dgx[j], dgx[h + j], dgx[2 * h + j]) = (dr, dz, dCandidate)
              (dgh[j], dgh[h + j], dgh[2 * h + j]) = (dr, dz, dCandidate * r)
              dhCarried[j] = dh * z  // plus the recurrent product below
            }
          case .tanh, .relu:
            for j in 0..<h {
              let dh = dHidden[row * h + j] + dhCarried[j]
              let y = hidden[row * h + j]
              dgx[j] = shape.cell == .tanh ? dh * (1 - y * y) : (y > 0 ? dh : 0)
              dhCarried[j] = 0
            }
          }
        }
      }
      // dh_prev += dGates_hidden(t) · U: the state's gradient one step back.
      if s > 0 {
        GEMM.multiply(
          transposeA: false, transposeB: false, m: n, n: h, k: g, alpha: 1,
          a: dGatesHidden + time * g, lda: t * g, b: weightHH, ldb: h, beta: 1, c: dhNext,
          ldc: h)
      }
    }
    // Every step's previous hidden state (zeros before the first), for dU in one product.
    ThreadBudget.parallelFor(count: all, minimumChunk: shape.rowChunk) { rows in
      for row in rows {
        let (sample, time) = row.quotientAndRemainder(dividingBy: t)
        let first = shape.reverse ? time == t - 1 : time == 0
        let target = hPrevAll + row * h
        if first {
          target.update(repeating: 0, count: h)
        } else {
          target.update(from: hidden + (sample * t + time + (shape.reverse ? 1 : -1)) * h, count: h)
        }
      }
    }
    GEMM.multiply(
      transposeA: true, transposeB: false, m: g, n: d, k: all, alpha: 1, a: dGates, lda: g,
      b: x, ldb: d, beta: 0, c: dWeightIH, ldc: d)
    GEMM.multiply(
      transposeA: true, transposeB: false, m: g, n: h, k: all, alpha: 1, a: dGatesHidden,
      lda: g, b: hPrevAll, ldb: h, beta: 0, c: dWeightHH, ldc: h)
    Elementwise.columnSums(rows: all, columns: g, x: dGates, sums: dBiasIH)
    Elementwise.columnSums(rows: all, columns: g, x: dGatesHidden, sums: dBiasHH)
    GEMM.multiply(
      transposeA: false, transposeB: false, m: all, n: d, k: g, alpha: 1, a: dGates, lda: g,
      b: weightIH, ldb: d, beta: 0, c: dx, ldc: d)
  }
}
