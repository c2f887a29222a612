import DLGGraph
import DLGRuntime
import DLGTestSupport
import Foundation
import Testing

// Backward through time for every cell, forwards and reversed, over several steps, and with
// padded steps that must leave the state (and its gradient) untouched.

extension GradientCase {
  /// A recurrent op over `[2, 4, 3]` inputs with 3 units; with `masked`, sample 0 has its last
  /// step padded and sample 1 its second.
  static func recurrent(_ cell: RecurrentCell, reverse: Bool = false, masked: Bool = false)
    -> GradientCase
  {
    let variant = [cell.rawValue, reverse ? "reverse" : nil, masked ? "masked" : nil]
      .compactMap { $0 }.joined(separator: ", ")
    // A ReLU cell's state grows over the steps, and a step of 1e-3 left its differences at f32
    // rounding noise (2.1% off on an Intel Xeon, under 2% on an AMD EPYC); at 4e-3 the worst
    // element is 0.5% off, and no pre-activation falls within the step of its kink.
    return GradientCase(
      Recurrent.opType, variant, epsilon: cell == .relu ? 4e-3 : 1e-3, tolerance: 2e-2
    ) {
      var graph = Graph()
      let (units, features) = (3, 3)
      let rows = cell.gates * units
      let x = graph.addParameter("x", .fixed([2, 4, features]), initializer: .heUniform(fanIn: 1))
      func weight(_ name: String, _ shape: [Int]) -> ValueID {
        graph.addParameter(name, .fixed(shape), initializer: .heUniform(fanIn: 2))
      }
      var inputs = [
        x, weight("weight_ih", [rows, features]), weight("weight_hh", [rows, units]),
        weight("bias_ih", [rows]), weight("bias_hh", [rows]),
      ]
      var fixed: [(ValueID, (TensorBuffer) -> Void)] = []
      if masked {
        let mask = graph.addInput("mask", TensorType(.float32, [.fixed(2), .fixed(4)]))
        inputs.append(mask)
        let values: [Float] = [1, 1, 1, 0, 1, 0, 1, 1]
        fixed.append((mask, { buffer in for i in values.indices { buffer.floats[i] = values[i] } }))
      }
      let op = Recurrent(cell: cell, units: units, reverse: reverse, masked: masked)
      let hidden = try graph.apply(op, inputs, name: "rnn")[0]
      var checker = GradientChecker(graph: graph, output: hidden)
      checker.fixedInputs = fixed
      return checker
    }
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  for cell in RecurrentCell.allCases {
    GradientCases.register(
      .recurrent(cell), .recurrent(cell, reverse: true), .recurrent(cell, masked: true))
  }
  GradientCases.register(.recurrent(.lstm, reverse: true, masked: true))
}

/// The forward pass against a direct implementation of PyTorch's equations, step by step.
@Suite struct RecurrentValueTests {
  static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

  /// Runs one op on fixed random inputs; returns the inputs and the hidden states.
  static func run(_ op: Recurrent, batch: Int, steps: Int, features: Int, mask: [Float]? = nil)
    throws -> (inputs: [[Float]], hidden: [Float])
  {
    var graph = Graph()
    let rows = op.cell.gates * op.units
    let shapes = [[batch, steps, features], [rows, features], [rows, op.units], [rows], [rows]]
    var inputs = shapes.enumerated().map { graph.addInput("in\($0.offset)", .fixed($0.element)) }
    if mask != nil { inputs.append(graph.addInput("mask", .fixed([batch, steps]))) }
    let y = try graph.apply(op, inputs, name: "rnn")[0]
    let plan = Executable(graph: graph, batchSize: 1, fetches: [y], store: ParameterStore())
    var generator = TestRandom(3)
    var values: [[Float]] = []
    for (index, input) in inputs.enumerated() {
      let buffer = try #require(plan.buffer(input))
      let data =
        index == 5
        ? mask! : (0..<buffer.count).map { _ in Float.random(in: -1...1, using: &generator) }
      for i in data.indices { buffer.floats[i] = data[i] }
      values.append(data)
    }
    plan.run(RuntimeContext(step: 1, training: false))
    let out = try #require(plan.buffer(y))
    return (values, Array(UnsafeBufferPointer(start: out.floats, count: out.count)))
  }

  /// The reference step of each cell for one sample: returns the new (h, c).
  static func step(
    _ cell: RecurrentCell, _ x: ArraySlice<Float>, _ h: [Float], _ c: [Float], _ p: [[Float]],
    units: Int
  ) -> ([Float], [Float]) {
    let features = x.count
    func affine(_ w: [Float], _ v: [Float], _ b: [Float], width: Int) -> [Float] {
      (0..<b.count).map { r in b[r] + (0..<width).reduce(0) { $0 + w[r * width + $1] * v[$1] } }
    }
    let xs = affine(p[1], Array(x), p[3], width: features)
    let hs = affine(p[2], h, p[4], width: units)
    let u = units
    switch cell {
    case .lstm:
      var (hNew, cNew) = ([Float](), [Float]())
      for j in 0..<u {
        let i = sigmoid(xs[j] + hs[j])
        let f = sigmoid(xs[u + j] + hs[u + j])
        let g = tanh(xs[2 * u + j] + hs[2 * u + j])
        let o = sigmoid(xs[3 * u + j] + hs[3 * u + j])
        cNew.append(f * c[j] + i * g)
        hNew.append(o * tanh(cNew[j]))
      }
      return (hNew, cNew)
    case .gru:
      let hNew = (0..<u).map { j -> Float in
        let r = sigmoid(xs[j] + hs[j])
        let z = sigmoid(xs[u + j] + hs[u + j])
        let n = tanh(xs[2 * u + j] + r * hs[2 * u + j])
        return (1 - z) * n + z * h[j]
      }
      return (hNew, c)
    case .tanh: return ((0..<u).map { tanh(xs[$0] + hs[$0]) }, c)
    case .relu: return ((0..<u).map { max(0, xs[$0] + hs[$0]) }, c)
    }
  }

  @Test(arguments: RecurrentCell.allCases, [false, true])
  func matchesTheEquations(cell: RecurrentCell, reverse: Bool) throws {
    let (batch, steps, features, units) = (3, 5, 4, 6)
    let mask: [Float] = (0..<batch * steps).map { $0 % 7 == 3 ? 0 : 1 }
    let op = Recurrent(cell: cell, units: units, reverse: reverse, masked: true)
    let (p, hidden) = try Self.run(op, batch: batch, steps: steps, features: features, mask: mask)
    for sample in 0..<batch {
      var (h, c) = ([Float](repeating: 0, count: units), [Float](repeating: 0, count: units))
      let order = reverse ? Array((0..<steps).reversed()) : Array(0..<steps)
      for time in order {
        let row = sample * steps + time
        if mask[row] != 0 {
          (h, c) = Self.step(
            cell, p[0][row * features..<(row + 1) * features], h, c, p, units: units)
        }
        for j in 0..<units {
          #expect(abs(hidden[row * units + j] - h[j]) < 1e-5, "\(cell) sample \(sample) t \(time)")
        }
      }
    }
  }

  @Test func refusesAnImage() {
    var graph = Graph()
    let image = graph.addInput(
      "image", TensorType(.float32, [.batch, .fixed(8), .fixed(8), .fixed(1)]))
    let w = graph.addInput("w", .fixed([8, 1]))
    #expect(throws: GraphError.self) {
      _ = try graph.apply(Recurrent(cell: .gru, units: 2), [image, w, w, w, w], name: "gru")
    }
  }
}
