/// Deterministic pseudo-random numbers: xoshiro256** seeded through SplitMix64, so one seed
/// gives the same initialization and the same shuffles on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  /// The full state, for checkpoints.
  public var state: [UInt64]

  public init(seed: UInt64) {
    var x = seed
    state = (0..<4).map { _ in
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  public mutating func next() -> UInt64 {
    let result = rotate(state[1] &* 5, 7) &* 9
    let t = state[1] << 17
    state[2] ^= state[0]
    state[3] ^= state[1]
    state[1] ^= state[2]
    state[0] ^= state[3]
    state[2] ^= t
    state[3] = rotate(state[3], 45)
    return result
  }

  private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// The order of samples in each epoch: a permutation drawn from the seed and the epoch number
/// (so resuming at epoch 5 reproduces epoch 5's order), split into mini-batches.
public struct BatchIterator: Sendable {
  public let batchSize: Int
  private let order: [Int]
  public let batchCount: Int

  public init(count: Int, batchSize: Int, shuffle: Bool, seed: UInt64, epoch: Int, dropLast: Bool) {
    self.batchSize = max(batchSize, 1)
    var order = Array(0..<count)
    if shuffle {
      var generator = SeededGenerator(
        seed: seed &+ UInt64(truncatingIfNeeded: epoch) &* 0x9E37_79B9)
      // Our own Fisher–Yates rather than the standard library's shuffle, whose algorithm
      // may change between Swift versions: the same seed must give the same order forever.
      for i in stride(from: count - 1, to: 0, by: -1) {
        let j = Int(generator.next() % UInt64(i + 1))
        order.swapAt(i, j)
      }
    }
    self.order = order
    batchCount = dropLast ? count / self.batchSize : (count + self.batchSize - 1) / self.batchSize
  }

  /// The sample indices of batch `b` (the last one may be shorter).
  public func indices(ofBatch b: Int) -> ArraySlice<Int> {
    order[b * batchSize..<min((b + 1) * batchSize, order.count)]
  }
}
