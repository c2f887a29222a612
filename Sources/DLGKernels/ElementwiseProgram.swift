import CBLAS

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A group of elementwise operations as one loop: a short list of instructions, each defining
/// one register from earlier ones (SSA), run tile by tile so every intermediate stays in L1 and
/// only the inputs and the results ever touch memory. The fusion pass builds one from a group
/// of ops; each op says what it computes as instructions (`ElementwiseFormula`).
///
/// A program has results (registers written to output buffers) and stores (registers written
/// back into input buffers: an optimizer updating its parameter and moments in place). Both are
/// written after every instruction of a tile has run, so an output may share memory with an
/// input: each element is read before it is written.
public struct ElementwiseProgram: Sendable, Hashable {
  public enum Instruction: Sendable, Hashable {
    /// Input `n`, one element per element of the loop.
    case input(Int)
    /// Input `n`, one element per column, repeated on every row (a bias).
    case columnInput(Int)
    /// Element `index` of input `n`, the same for the whole loop (a per-step constant).
    case scalarInput(Int, index: Int)
    case constant(Float)
    case copy(Int)
    case add(Int, Int)
    case subtract(Int, Int)
    case multiply(Int, Int)
    case divide(Int, Int)
    /// x · a + y · b for constants a and b, in one pass (moving averages, scaled sums).
    case affine(Int, Int, Float, Float)
    case squareRoot(Int)
    /// max(a, 0).
    case relu(Int)
    /// b where a > 0, else 0 (the ReLU gradient, from the ReLU's output a).
    case wherePositive(Int, Int)
    case sigmoid(Int)
    case tanh(Int)
  }

  public private(set) var instructions: [Instruction] = []
  /// Registers written to the output buffers, in order.
  public var results: [Int] = []
  /// (register, input slot): registers written back into input buffers.
  public var stores: [Store] = []

  public struct Store: Sendable, Hashable {
    public var register: Int
    public var input: Int

    public init(register: Int, input: Int) {
      self.register = register
      self.input = input
    }
  }

  public init() {}

  /// Appends an instruction; returns the register it defines.
  @discardableResult
  public mutating func emit(_ instruction: Instruction) -> Int {
    instructions.append(instruction)
    return instructions.count - 1
  }

  /// One line per instruction (`r2 = add(0, 1)`), for diagrams and `--explain`.
  public var listing: String {
    instructions.enumerated().map { "r\($0.offset) = \($0.element)" }.joined(separator: "; ")
  }
}

extension ElementwiseProgram.Instruction {
  /// The same value for every element of the loop.
  var isInvariant: Bool {
    switch self {
    case .constant, .scalarInput: true
    default: false
    }
  }
}

extension ElementwiseProgram {
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
