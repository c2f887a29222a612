#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A chain of elementwise operations as one loop: a short list of instructions, each defining
/// one register from earlier ones (SSA), run tile by tile so every intermediate stays in L1 and
/// only the inputs and the result ever touch memory. The fusion pass builds one from a chain
/// of ops; each op says what it computes as instructions (`ElementwiseFormula`).
public struct ElementwiseProgram: Sendable, Hashable {
  public enum Instruction: Sendable, Hashable {
    /// Input `n`, one element per element of the loop.
    case input(Int)
    /// Input `n`, one element per column, repeated on every row (a bias).
    case columnInput(Int)
    case constant(Float)
    case copy(Int)
    case add(Int, Int)
    case subtract(Int, Int)
    case multiply(Int, Int)
    /// max(a, 0).
    case relu(Int)
    /// b where a > 0, else 0 (the ReLU gradient, from the ReLU's output a).
    case wherePositive(Int, Int)
    case sigmoid(Int)
    case tanh(Int)
  }

  public private(set) var instructions: [Instruction] = []

  public init() {}

  /// Appends an instruction; returns the register it defines.
  @discardableResult
  public mutating func emit(_ instruction: Instruction) -> Int {
    instructions.append(instruction)
    return instructions.count - 1
  }

  /// One line per instruction (`r2 = add r0 r1`), for diagrams and `--explain`.
  public var listing: String {
    instructions.enumerated().map { "r\($0.offset) = \($0.element)" }.joined(separator: "; ")
  }
}

extension ElementwiseProgram {
  static let tile = 512
  typealias Vector = SIMD16<Float>

  /// Runs the program over `count` elements of `columns`-wide rows; the last register goes to
  /// `output`, which may be one of the full-size inputs (each element is read before it is
  /// written).
  public func run(
    count: Int, columns: Int, inputs: [UnsafePointer<Float>], output: UnsafeMutablePointer<Float>
  ) {
    let tiles = (count + Self.tile - 1) / Self.tile
    let registerCount = instructions.count
    ThreadBudget.parallelFor(
      count: tiles, minimumChunk: max(1, Elementwise.parallelChunk / Self.tile)
    ) { range in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: registerCount * Self.tile) {
        scratch in
        withUnsafeTemporaryAllocation(
          of: UnsafePointer<Float>.self, capacity: registerCount
        ) { registers in
          for t in range {
            let start = t * Self.tile
            let n = min(Self.tile, count - start)
            for (index, instruction) in instructions.enumerated() {
              let last = index == registerCount - 1
              let target = last ? output + start : scratch.baseAddress! + index * Self.tile
              if case .input(let slot) = instruction, !last {
                // Read in place: no copy.
                registers[index] = inputs[slot] + start
                continue
              }
              execute(instruction, n, start, columns, inputs, registers.baseAddress!, target)
              registers[index] = UnsafePointer(target)
            }
          }
        }
      }
    }
  }

  @inline(__always)
  private func execute(
    _ instruction: Instruction, _ n: Int, _ start: Int, _ columns: Int,
    _ inputs: [UnsafePointer<Float>], _ registers: UnsafeMutablePointer<UnsafePointer<Float>>,
    _ target: UnsafeMutablePointer<Float>
  ) {
    switch instruction {
    case .input(let slot):
      target.update(from: inputs[slot] + start, count: n)
    case .columnInput(let slot):
      let row = inputs[slot]
      var column = start % columns
      for j in 0..<n {
        target[j] = row[column]
        column += 1
        if column == columns { column = 0 }
      }
    case .constant(let value):
      target.update(repeating: value, count: n)
    case .copy(let a):
      target.update(from: registers[a], count: n)
    case .add(let a, let b):
      Self.binary(n, registers[a], registers[b], target) {
        $0 + $1
      } scalar: {
        $0 + $1
      }
    case .subtract(let a, let b):
      Self.binary(n, registers[a], registers[b], target) {
        $0 - $1
      } scalar: {
        $0 - $1
      }
    case .multiply(let a, let b):
      Self.binary(n, registers[a], registers[b], target) {
        $0 * $1
      } scalar: {
        $0 * $1
      }
    case .relu(let a):
      Self.binary(n, registers[a], registers[a], target) { x, _ in
        x.replacing(with: 0, where: x .< 0)
      } scalar: { x, _ in
        max(x, 0)
      }
    case .wherePositive(let a, let b):
      Self.binary(n, registers[a], registers[b], target) { y, g in
        g.replacing(with: 0, where: y .<= 0)
      } scalar: { y, g in
        y > 0 ? g : 0
      }
    case .sigmoid(let a):
      let x = registers[a]
      for j in 0..<n { target[j] = 1 / (1 + expf(-x[j])) }
    case .tanh(let a):
      let x = registers[a]
      for j in 0..<n { target[j] = tanhf(x[j]) }
    }
  }

  @inline(__always)
  private static func binary(
    _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    _ y: UnsafeMutablePointer<Float>, _ vector: (Vector, Vector) -> Vector,
    scalar: (Float, Float) -> Float
  ) {
    var j = 0
    while j + 16 <= n {
      Elementwise.store(vector(Elementwise.load(a + j), Elementwise.load(b + j)), y + j)
      j += 16
    }
    while j < n {
      y[j] = scalar(a[j], b[j])
      j += 1
    }
  }
}
