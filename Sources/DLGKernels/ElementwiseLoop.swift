import CBLAS
import DLGInstructions

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A group of elementwise operations as one loop: a short list of instructions, each defining
/// one register from earlier ones (SSA), run tile by tile so every intermediate stays in L1 and
/// only the inputs and the results ever touch memory. The runtime compiles one from the IR's
/// `ElementwiseProgram` (a fused group, or an op's formula).
///
/// A loop has results (registers written to output buffers) and stores (registers written
/// back into input buffers: an optimizer updating its parameter and moments in place). Both are
/// written after every instruction of a tile has run, so an output may share memory with an
/// input: each element is read before it is written.
public struct ElementwiseLoop: Sendable {
  public typealias Instruction = ElementwiseInstruction

  public let instructions: [Instruction]
  /// Registers written to the output buffers, in order.
  public let results: [Int]
  /// (register, input slot): registers written back into input buffers.
  public let stores: [(register: Int, input: Int)]

  public init(instructions: [Instruction], results: [Int], stores: [(register: Int, input: Int)]) {
    self.instructions = instructions
    self.results = results
    self.stores = stores
  }
}

extension ElementwiseInstruction {
  /// The same value for every element of the loop.
  var isInvariant: Bool {
    switch self {
    case .constant, .scalarInput: true
    default: false
    }
  }
}

extension ElementwiseLoop {
  /// Elements per tile: a dozen registers of 1 KiB stay inside L1 with the inputs' tiles.
  static let tile = 256
  typealias Vector = SIMD16<Float>

  /// Runs the program over `count` elements of `columns`-wide rows, writing `results` to
  /// `outputs` and `stores` into their inputs, split across the thread budget.
  public func run(
    count: Int, columns: Int, inputs: [UnsafePointer<Float>],
    outputs: [UnsafeMutablePointer<Float>]
  ) {
    let tiles = (count + Self.tile - 1) / Self.tile
    ThreadBudget.parallelFor(
      count: tiles, minimumChunk: max(1, Elementwise.parallelChunk / Self.tile)
    ) { range in
      runSerially(
        elements: range.lowerBound * Self.tile..<min(range.upperBound * Self.tile, count),
        columns: columns, inputs: inputs, outputs: outputs)
    }
  }

  /// Runs the program over elements `elements` on the calling thread (element i of every
  /// full-size input and output is at that pointer plus i).
  public func runSerially(
    elements: Range<Int>, columns: Int, inputs: [UnsafePointer<Float>],
    outputs: [UnsafeMutablePointer<Float>]
  ) {
    let registerCount = instructions.count
    withUnsafeTemporaryAllocation(of: Float.self, capacity: registerCount * Self.tile) {
      scratch in
      withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: registerCount) {
        registers in
        // Constants and per-step scalars are the same in every tile: filled once.
        for (index, instruction) in instructions.enumerated() where instruction.isInvariant {
          let target = scratch.baseAddress! + index * Self.tile
          execute(instruction, Self.tile, 0, columns, inputs, registers.baseAddress!, target)
          registers[index] = UnsafePointer(target)
        }
        var start = elements.lowerBound
        while start < elements.upperBound {
          let n = min(Self.tile, elements.upperBound - start)
          for index in instructions.indices {
            let instruction = instructions[index]
            if case .input(let slot) = instruction {
              // Read in place: no copy.
              registers[index] = inputs[slot] + start
            } else if !instruction.isInvariant {
              let target = scratch.baseAddress! + index * Self.tile
              execute(instruction, n, start, columns, inputs, registers.baseAddress!, target)
              registers[index] = UnsafePointer(target)
            }
          }
          for (output, register) in zip(outputs, results) {
            (output + start).update(from: registers[register], count: n)
          }
          for store in stores {
            UnsafeMutablePointer(mutating: inputs[store.input] + start)
              .update(from: registers[store.register], count: n)
          }
          start += n
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
    case .scalarInput(let slot, let index):
      target.update(repeating: inputs[slot][index], count: n)
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
    case .divide(let a, let b):
      Self.binary(n, registers[a], registers[b], target) {
        $0 / $1
      } scalar: {
        $0 / $1
      }
    case .affine(let a, let b, let ca, let cb):
      Self.binary(n, registers[a], registers[b], target) {
        $0 * ca + $1 * cb
      } scalar: {
        $0 * ca + $1 * cb
      }
    case .squareRoot(let a):
      dlg_square_root(registers[a], target, n)
    case .exp(let a):
      VectorMath.exp(count: n, registers[a], target)
    case .log(let a):
      let x = registers[a]
      for j in 0..<n { target[j] = logf(x[j]) }
    case .maximum(let a, let b):
      Self.binary(n, registers[a], registers[b], target) { x, y in
        x.replacing(with: y, where: y .> x)
      } scalar: { x, y in
        y > x ? y : x
      }
    case .minimum(let a, let b):
      Self.binary(n, registers[a], registers[b], target) { x, y in
        x.replacing(with: y, where: y .< x)
      } scalar: { x, y in
        y < x ? y : x
      }
    case .greater(let a, let b):
      Self.binary(n, registers[a], registers[b], target) { x, y in
        Vector(repeating: 0).replacing(with: 1, where: x .> y)
      } scalar: { x, y in
        x > y ? 1 : 0
      }
    case .select(let c, let a, let b):
      let (condition, x, y) = (registers[c], registers[a], registers[b])
      for j in 0..<n { target[j] = condition[j] != 0 ? x[j] : y[j] }
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
      VectorMath.sigmoid(count: n, registers[a], target)
    case .tanh(let a):
      VectorMath.tanh(count: n, registers[a], target)
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
