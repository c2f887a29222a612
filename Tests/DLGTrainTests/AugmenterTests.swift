import DLGKernels
import DLGLowering
import DLGTestData
import DLGTestSupport
import Foundation
import Testing

@testable import DLGTrain

/// `augment`: what each change does to a batch, drawn the same way every time.
@Suite struct AugmenterTests {
  static let (height, width, channels) = (6, 6, 2)
  static let size = height * width * channels

  static func batch(_ count: Int) -> [Float] {
    (0..<count * size).map { Float(($0 * 37) % 101) / 101 }
  }

  static func augmenter(_ kinds: [Augmentation.Kind], seed: UInt64 = 7) -> Augmenter {
    Augmenter(kinds, height: height, width: width, channels: channels, seed: seed)
  }

  static func apply(
    _ augmenter: Augmenter, _ batch: [Float], indices: [Int], epoch: Int = 1
  ) -> [Float] {
    var out = batch
    out.withUnsafeMutableBufferPointer {
      augmenter.apply(to: $0.baseAddress!, indices: indices[...], epoch: epoch)
    }
    return out
  }

  static func sample(_ batch: [Float], _ i: Int) -> [Float] {
    Array(batch[i * size..<(i + 1) * size])
  }

  /// A sample moved by (dy, dx), as the kernel moves it.
  static func shifted(_ sample: [Float], _ dy: Int, _ dx: Int, _ fill: ImageAugmentation.Fill)
    -> [Float]
  {
    var image = sample
    var scratch = sample
    ImageAugmentation.shift(
      &image, height: height, width: width, channels: channels, dy: dy, dx: dx, fill: fill,
      scratch: &scratch)
    return image
  }

  @Test func theSameSeedEpochAndIndexGiveTheSameSample() {
    let all: [Augmentation.Kind] = [
      .flip(probability: 0.5), .crop(padding: 2), .translate(pixels: 1),
      .brightness(amount: 0.3), .contrast(amount: 0.3), .noise(deviation: 0.1),
    ]
    let augmenter = Self.augmenter(all)
    let batch = Self.batch(4)
    let once = Self.apply(augmenter, batch, indices: [10, 11, 12, 13])
    #expect(once == Self.apply(augmenter, batch, indices: [10, 11, 12, 13]))
    #expect(once != batch)
    // A sample's change follows its index, not its place in the batch.
    let swapped =
      Self.sample(batch, 1) + Self.sample(batch, 0) + Self.sample(batch, 2)
      + Self.sample(batch, 3)
    let reordered = Self.apply(augmenter, swapped, indices: [11, 10, 12, 13])
    #expect(Self.sample(reordered, 0) == Self.sample(once, 1))
    #expect(Self.sample(reordered, 1) == Self.sample(once, 0))
    // Another epoch or another seed draws again.
    #expect(Self.apply(augmenter, batch, indices: [10, 11, 12, 13], epoch: 2) != once)
    #expect(Self.apply(Self.augmenter(all, seed: 8), batch, indices: [10, 11, 12, 13]) != once)
  }

  @Test func theThreadCountDoesNotChangeTheResult() {
    let augmenter = Self.augmenter([.crop(padding: 2), .noise(deviation: 0.1)])
    // 72 values a sample: 227 samples make a part, so 1,000 are shared by two threads.
    let batch = Self.batch(1000)
    let indices = Array(500..<1500)
    let one = withThreadBudget(1) { Self.apply(augmenter, batch, indices: indices) }
    let two = withThreadBudget(2) { Self.apply(augmenter, batch, indices: indices) }
    #expect(one == two)
  }

  @Test func flipMirrorsAboutTheAskedShare() {
    let count = 2000
    let batch = Self.batch(count)
    let out = Self.apply(
      Self.augmenter([.flip(probability: 0.5)]), batch, indices: Array(0..<count))
    var flipped = 0
    for i in 0..<count {
      var mirrored = Self.sample(batch, i)
      ImageAugmentation.flipHorizontally(
        &mirrored, height: Self.height, width: Self.width, channels: Self.channels)
      let got = Self.sample(out, i)
      if got == mirrored { flipped += 1 } else { #expect(got == Self.sample(batch, i)) }
    }
    #expect((900...1100).contains(flipped), "\(flipped) of \(count) flipped")
    let first = Self.sample(batch, 0)
    var mirrored = first
    ImageAugmentation.flipHorizontally(
      &mirrored, height: Self.height, width: Self.width, channels: Self.channels)
    let always = Self.apply(Self.augmenter([.flip(probability: 1)]), first, indices: [0])
    let never = Self.apply(Self.augmenter([.flip(probability: 0)]), first, indices: [0])
    #expect(always == mirrored && mirrored != first && never == first)
  }

  @Test func cropMovesByAtMostThePadding() {
    let count = 400
    let batch = Self.batch(count)
    let out = Self.apply(Self.augmenter([.crop(padding: 2)]), batch, indices: Array(0..<count))
    var seen = Set<[Int]>()
    for i in 0..<count {
      let got = Self.sample(out, i)
      var match: [Int]?
      for dy in -2...2 {
        for dx in -2...2 {
          if Self.shifted(Self.sample(batch, i), dy, dx, .zeros) == got { match = [dy, dx] }
        }
      }
      #expect(match != nil, "sample \(i) is no shift within the padding")
      if let match { seen.insert(match) }
    }
    // All 25 offsets turn up, the unmoved one among them.
    #expect(seen.count == 25)
  }

  @Test func jitterFactorsStayInTheirRange() {
    let count = 500
    let batch = [Float](repeating: 1, count: count * Self.size)
    let out = Self.apply(
      Self.augmenter([.brightness(amount: 0.2)]), batch, indices: Array(0..<count))
    let factors = (0..<count).map { out[$0 * Self.size] }
    #expect(factors.allSatisfy { (0.8...1.2).contains($0) })
    #expect(factors.min()! < 0.82 && factors.max()! > 1.18)
    for i in 0..<count { #expect(Self.sample(out, i).allSatisfy { $0 == factors[i] }) }
  }

  @Test func translateReflectsAndContrastStaysInItsRange() {
    let count = 300
    // Every value above zero: the zeros a crop would bring in would show.
    let batch = Self.batch(count).map { $0 + 0.5 }
    let out = Self.apply(
      Self.augmenter([.translate(pixels: 1)]), batch, indices: Array(0..<count))
    var moved = 0
    for i in 0..<count {
      let got = Self.sample(out, i)
      var candidates: [[Float]] = []
      for dy in -1...1 {
        for dx in -1...1 {
          candidates.append(Self.shifted(Self.sample(batch, i), dy, dx, .reflect))
        }
      }
      #expect(candidates.contains(got), "sample \(i)")
      if got != Self.sample(batch, i) { moved += 1 }
      // Reflection fills in with the image's own values: no zeros appear.
      #expect(got.allSatisfy { $0 > 0 })
    }
    #expect(moved > count / 2)
    // Contrast: each sample's spread around its (kept) mean scales by a factor in [0.7, 1.3].
    let stretched = Self.apply(
      Self.augmenter([.contrast(amount: 0.3)]), batch, indices: Array(0..<count))
    var factors: [Double] = []
    for i in 0..<count {
      let (before, after) = (Self.sample(batch, i), Self.sample(stretched, i))
      let mean = before.reduce(0, +) / Float(before.count)
      #expect(abs(after.reduce(0, +) / Float(after.count) - mean) < 1e-4)
      factors.append(Double((after[0] - mean) / (before[0] - mean)))
    }
    #expect(factors.allSatisfy { (0.7 - 1e-3...1.3 + 1e-3).contains($0) })
    #expect(factors.min()! < 0.75 && factors.max()! > 1.25)
  }

  @Test func noiseHasTheAskedDeviation() {
    let count = 200
    let batch = [Float](repeating: 0.5, count: count * Self.size)
    let out = Self.apply(Self.augmenter([.noise(deviation: 0.1)]), batch, indices: Array(0..<count))
    let deltas = out.map { Double($0) - 0.5 }
    let mean = deltas.reduce(0, +) / Double(deltas.count)
    let deviation = (deltas.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(deltas.count))
      .squareRoot()
    #expect(abs(mean) < 0.003 && abs(deviation - 0.1) < 0.003, "mean \(mean), sd \(deviation)")
  }
}

/// `augment` in a training run: it changes what the step sees, and the same run twice
/// gives the same weights.
@Suite struct AugmentedTrainingTests {
  @Test func augmentedRunsAreReproducibleAndDiffer() throws {
    let folder = try SyntheticData.makeFolder(train: 200, test: 50)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let augmented = TransferLearningTests.model(
      folder: folder, settings: "  augment [flip, crop(padding: 2), contrast(0.2)]")
    let first = try TransferLearningTests.trained(augmented)
    let again = try TransferLearningTests.trained(augmented)
    let plain = try TransferLearningTests.trained(TransferLearningTests.model(folder: folder))
    let weights = { (t: Trainer) throws -> [Float] in
      try TransferLearningTests.values(t, "fc.weight")
    }
    #expect(first.augmenter?.augmentations.count == 3)
    #expect(try weights(first) == weights(again))
    #expect(try weights(first) != weights(plain))
  }

  @Test func evaluationSeesTheDataUnchanged() throws {
    let folder = try SyntheticData.makeFolder(train: 100, test: 50)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    // Noise this strong would change every loss it touched.
    let noisy = try trainer(
      for: TransferLearningTests.model(folder: folder, settings: "  augment noise(5)"))
    let plain = try trainer(for: TransferLearningTests.model(folder: folder))
    let (_, test) = try noisy.loadData()
    let data = try #require(test)
    #expect(noisy.evaluate(on: data).loss == plain.evaluate(on: data).loss)
  }
}
