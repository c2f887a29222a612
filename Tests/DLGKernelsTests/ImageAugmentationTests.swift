import DLGKernels
import Testing

/// Each augmentation kernel against a plain reference that pads the image and reads it back.
@Suite struct ImageAugmentationTests {
  static let (height, width, channels) = (5, 7, 3)
  static let size = height * width * channels

  static func image() -> [Float] { (0..<size).map { Float($0) * 0.5 - 3 } }

  /// in(y, x, c), or the fill for a position outside the image.
  static func pixel(_ image: [Float], _ y: Int, _ x: Int, _ c: Int, reflect: Bool) -> Float {
    func fold(_ i: Int, _ n: Int) -> Int? {
      if (0..<n).contains(i) { return i }
      guard reflect else { return nil }
      // The mirror repeats the edge: -1 reads 0, n reads n - 1.
      var i = i
      while !(0..<n).contains(i) { i = i < 0 ? -i - 1 : 2 * n - i - 1 }
      return i
    }
    guard let y = fold(y, height), let x = fold(x, width) else { return 0 }
    return image[(y * width + x) * channels + c]
  }

  static func shifted(_ image: [Float], dy: Int, dx: Int, reflect: Bool) -> [Float] {
    var out = [Float](repeating: .nan, count: size)
    for y in 0..<height {
      for x in 0..<width {
        for c in 0..<channels {
          out[(y * width + x) * channels + c] = pixel(
            image, y - dy, x - dx, c, reflect: reflect)
        }
      }
    }
    return out
  }

  @Test func flipMirrorsEachRow() {
    var image = Self.image()
    let original = image
    ImageAugmentation.flipHorizontally(
      &image, height: Self.height, width: Self.width, channels: Self.channels)
    for y in 0..<Self.height {
      for x in 0..<Self.width {
        for c in 0..<Self.channels {
          #expect(
            image[(y * Self.width + x) * Self.channels + c]
              == original[(y * Self.width + Self.width - 1 - x) * Self.channels + c])
        }
      }
    }
  }

  @Test(arguments: [(0, 1), (2, -3), (-4, 6), (-1, 0), (3, 3)])
  func shiftMatchesTheReference(_ dy: Int, _ dx: Int) {
    for reflect in [false, true] {
      var image = Self.image()
      let expected = Self.shifted(image, dy: dy, dx: dx, reflect: reflect)
      var scratch = [Float](repeating: 0, count: Self.size)
      ImageAugmentation.shift(
        &image, height: Self.height, width: Self.width, channels: Self.channels, dy: dy, dx: dx,
        fill: reflect ? .reflect : .zeros, scratch: &scratch)
      #expect(image == expected, "dy \(dy), dx \(dx), reflect \(reflect)")
    }
  }

  @Test func shiftsFarBeyondTheImageStillReflect() {
    var image = Self.image()
    let expected = Self.shifted(image, dy: 12, dx: -15, reflect: true)
    var scratch = [Float](repeating: 0, count: Self.size)
    ImageAugmentation.shift(
      &image, height: Self.height, width: Self.width, channels: Self.channels, dy: 12, dx: -15,
      fill: .reflect, scratch: &scratch)
    #expect(image == expected)
  }

  @Test func brightnessScalesAndContrastKeepsTheMean() {
    var values: [Float] = [0.1, 0.5, 0.9, 0.3]
    ImageAugmentation.scale(&values, count: 4, by: 1.5)
    let expected: [Float] = [0.1, 0.5, 0.9, 0.3].map { $0 * 1.5 }
    #expect(values == expected)
    var stretched: [Float] = [0, 1, 2, 5]  // mean 2
    ImageAugmentation.stretch(&stretched, count: 4, by: 0.5)
    let wanted: [Float] = [1, 1.5, 2, 3.5]
    for (got, want) in zip(stretched, wanted) { #expect(abs(got - want) < 1e-6) }
  }
}
