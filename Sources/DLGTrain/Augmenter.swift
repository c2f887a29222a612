import DLGKernels
import DLGLowering
import Foundation

/// Applies a train section's `augment` list to a gathered batch, in place, before the step
/// runs. Each sample draws from its own generator, seeded by the run's seed, the epoch and
/// the sample's index in the data, so the result does not depend on the batch it falls in,
/// the thread that changes it, or whether the run was resumed.
public struct Augmenter: Sendable {
  public let augmentations: [Augmentation.Kind]
  /// The sample's layout: an image (height × width × channels) or a flat run of values.
  public let height: Int
  public let width: Int
  public let channels: Int
  let seed: UInt64

  /// `height`, `width`, `channels` describe one sample; a non-image sample is 1 × 1 × count.
  public init(
    _ augmentations: [Augmentation.Kind], height: Int, width: Int, channels: Int, seed: UInt64
  ) {
    self.augmentations = augmentations
    self.height = height
    self.width = width
    self.channels = channels
    self.seed = seed
  }

  var sampleSize: Int { height * width * channels }

  /// Changes each of the samples in `batch` (laid out one after another, in the order of
  /// `indices`, the samples' indices in the data) for `epoch`.
  public func apply(to batch: UnsafeMutablePointer<Float>, indices: ArraySlice<Int>, epoch: Int) {
    let count = indices.count
    guard count > 0, !augmentations.isEmpty else { return }
    let size = sampleSize
    // A few thousand values per sample: share a batch among the threads, but not a tiny one.
    ThreadBudget.parallelFor(count: count, minimumChunk: max(1, 16_384 / max(size, 1))) {
      samples in
      let scratch = UnsafeMutablePointer<Float>.allocate(capacity: size)
      defer { scratch.deallocate() }
      for sample in samples {
        augment(
          batch + sample * size, index: indices[indices.startIndex + sample], epoch: epoch,
          scratch: scratch)
      }
    }
  }

  /// Changes one sample: the draws of every augmentation, in order, from its own generator.
  public func augment(
    _ sample: UnsafeMutablePointer<Float>, index: Int, epoch: Int,
    scratch: UnsafeMutablePointer<Float>
  ) {
    var random = SampleRandom(seed: seed, epoch: epoch, index: index)
    let size = sampleSize
    for kind in augmentations {
      switch kind {
      case .flip(let probability):
        if random.unit() < probability {
          ImageAugmentation.flipHorizontally(
            sample, height: height, width: width, channels: channels)
        }
      case .crop(let padding):
        shift(sample, by: padding, fill: .zeros, &random, scratch)
      case .translate(let pixels):
        shift(sample, by: pixels, fill: .reflect, &random, scratch)
      case .brightness(let amount):
        ImageAugmentation.scale(sample, count: size, by: Float(random.factor(amount)))
      case .contrast(let amount):
        ImageAugmentation.stretch(sample, count: size, by: Float(random.factor(amount)))
      case .noise(let deviation):
        var i = 0
        while i < size {
          let (a, b) = random.gaussianPair()
          sample[i] += Float(a * deviation)
          if i + 1 < size { sample[i + 1] += Float(b * deviation) }
          i += 2
        }
      }
    }
  }

  private func shift(
    _ sample: UnsafeMutablePointer<Float>, by limit: Int, fill: ImageAugmentation.Fill,
    _ random: inout SampleRandom, _ scratch: UnsafeMutablePointer<Float>
  ) {
    let dy = random.integer(in: -limit...limit)
    let dx = random.integer(in: -limit...limit)
    ImageAugmentation.shift(
      sample, height: height, width: width, channels: channels, dy: dy, dx: dx, fill: fill,
      scratch: scratch)
  }
}

/// A small generator (SplitMix64) for one sample's draws: no allocation, and a stream set by
/// the seed, the epoch and the sample's index alone.
struct SampleRandom {
  var state: UInt64

  init(seed: UInt64, epoch: Int, index: Int) {
    state = seed
    state = Self.mix(state ^ (UInt64(truncatingIfNeeded: epoch) &* 0x9E37_79B9_7F4A_7C15))
    state = Self.mix(state ^ (UInt64(truncatingIfNeeded: index) &* 0xD6E8_FEB8_6659_FD93))
  }

  static func mix(_ value: UInt64) -> UInt64 {
    CounterRandom.mix(value &+ 0x9E37_79B9_7F4A_7C15)
  }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return Self.mix(state)
  }

  /// Uniform in [0, 1).
  mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// Uniform in [1 − amount, 1 + amount].
  mutating func factor(_ amount: Double) -> Double { 1 + amount * (2 * unit() - 1) }

  /// Uniform over a small closed range.
  mutating func integer(in range: ClosedRange<Int>) -> Int {
    let span = UInt64(range.upperBound - range.lowerBound + 1)
    return range.lowerBound + Int(next() % span)
  }

  /// Two independent standard normal values (Marsaglia's polar method: no sine or cosine).
  mutating func gaussianPair() -> (Double, Double) {
    while true {
      let u = 2 * unit() - 1
      let v = 2 * unit() - 1
      let s = u * u + v * v
      guard s > 0, s < 1 else { continue }
      let factor = (-2 * log(s) / s).squareRoot()
      return (u * factor, v * factor)
    }
  }
}
