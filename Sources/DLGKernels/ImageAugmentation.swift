/// The pixel work of training-time augmentation, on one sample in place: an NHWC image of
/// `height × width × channels` floats, or any run of `count` floats. The random choices (which
/// way, how far, what factor) are the caller's; these functions only apply them, so each can
/// be checked against a plain reference.
public enum ImageAugmentation {
  /// What fills the pixels a shift uncovers.
  public enum Fill: Sendable {
    /// Zeros, as if the image were padded with black and cropped.
    case zeros
    /// The image mirrored at its edges, the edge pixel repeated (`d c b a | a b c d | d c b a`).
    case reflect
  }

  /// Mirrors the image left to right.
  public static func flipHorizontally(
    _ image: UnsafeMutablePointer<Float>, height: Int, width: Int, channels: Int
  ) {
    let row = width * channels
    for y in 0..<height {
      var left = image + y * row
      var right = left + (width - 1) * channels
      while left < right {
        for c in 0..<channels { swap(&left[c], &right[c]) }
        left += channels
        right -= channels
      }
    }
  }

  /// Moves the image down by `dy` and right by `dx` pixels (negative: up, left):
  /// out(y, x) = in(y − dy, x − dx), with positions outside the image taken from `fill`.
  /// `scratch` holds `height × width × channels` floats.
  public static func shift(
    _ image: UnsafeMutablePointer<Float>, height: Int, width: Int, channels: Int,
    dy: Int, dx: Int, fill: Fill, scratch: UnsafeMutablePointer<Float>
  ) {
    guard dy != 0 || dx != 0 else { return }
    let row = width * channels
    scratch.update(from: image, count: height * row)
    for y in 0..<height {
      let output = image + y * row
      guard let sourceRow = source(y - dy, extent: height, fill) else {
        output.update(repeating: 0, count: row)
        continue
      }
      let input = UnsafePointer(scratch + sourceRow * row)
      // The columns that come straight from the image, copied as one run.
      let first = max(0, dx)
      let last = min(width, width + dx)
      if first < last {
        (output + first * channels).update(
          from: input + (first - dx) * channels, count: (last - first) * channels)
      }
      for x in 0..<width where x < first || x >= last {
        let target = output + x * channels
        if let column = source(x - dx, extent: width, fill) {
          target.update(from: input + column * channels, count: channels)
        } else {
          target.update(repeating: 0, count: channels)
        }
      }
    }
  }

  /// Where position `i` of a shifted axis reads from, or nil for a zero.
  @inline(__always)
  static func source(_ i: Int, extent: Int, _ fill: Fill) -> Int? {
    if i >= 0 && i < extent { return i }
    switch fill {
    case .zeros:
      return nil
    case .reflect:
      let period = 2 * extent
      let m = ((i % period) + period) % period
      return m < extent ? m : period - 1 - m
    }
  }

  /// x = factor · x (brightness).
  public static func scale(_ values: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
    for i in 0..<count { values[i] *= factor }
  }

  /// x = mean + factor · (x − mean), the mean over all `count` values (contrast).
  public static func stretch(
    _ values: UnsafeMutablePointer<Float>, count: Int, by factor: Float
  ) {
    guard count > 0 else { return }
    // Summed in double: a large image's float sum would drift.
    var sum = 0.0
    for i in 0..<count { sum += Double(values[i]) }
    let mean = Float(sum / Double(count))
    let offset = mean * (1 - factor)
    for i in 0..<count { values[i] = values[i] * factor + offset }
  }
}
