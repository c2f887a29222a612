import CImageCodecs
import Foundation

/// An 8-bit image: `height` rows of `width` pixels of `channels` values (1 gray, 3 RGB).
public struct Image: Sendable, Equatable {
  public var width: Int
  public var height: Int
  public var channels: Int
  public var pixels: [UInt8]

  public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
    self.width = width
    self.height = height
    self.channels = channels
    self.pixels = pixels
  }
}

/// PNG and JPEG files, decoded by libpng and libjpeg-turbo.
public enum ImageFile {
  /// The file extensions read as images.
  public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

  /// Images beyond this many pixels (a 16384×16384 photograph) are refused before decoding:
  /// a small file can declare a huge image.
  public static let maximumPixels = 1 << 28

  /// Decodes PNG or JPEG bytes into `channels` (1 or 3) per pixel, converting colour spaces.
  public static func decode(_ bytes: [UInt8], channels: Int, source: String) throws(DataError)
    -> Image
  {
    var image = dlg_image()
    let status = bytes.withUnsafeBufferPointer { buffer in
      dlg_decode_image(
        buffer.baseAddress, buffer.count, Int32(channels), Int(maximumPixels), &image)
    }
    defer { dlg_free_image(&image) }
    guard status == 0, let pixels = image.pixels else {
      let message = withUnsafeBytes(of: image.error) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      throw DataError(source, "cannot decode it as an image: \(message)")
    }
    let count = Int(image.width) * Int(image.height) * Int(image.channels)
    return Image(
      width: Int(image.width), height: Int(image.height), channels: Int(image.channels),
      pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
  }

  /// The image as PNG bytes, or as JPEG at `jpegQuality` (1 ... 100): for tests and tools.
  public static func encode(_ image: Image, jpegQuality: Int? = nil) -> [UInt8]? {
    var out: UnsafeMutablePointer<UInt8>?
    var size = 0
    let status = image.pixels.withUnsafeBufferPointer { buffer in
      dlg_encode_image(
        buffer.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
        Int32(jpegQuality ?? 0), &out, &size)
    }
    defer { dlg_free_bytes(out) }
    guard status == 0, let out else { return nil }
    return Array(UnsafeBufferPointer(start: out, count: size))
  }

  /// Reads and decodes an image file.
  public static func read(_ path: String, channels: Int) throws(DataError) -> Image {
    try decode(try readFile(path), channels: channels, source: path)
  }
}

extension Image {
  /// The image resized to `width`×`height` with a bilinear (triangle) filter whose support
  /// grows with the reduction when shrinking, as Pillow's `BILINEAR` does: enlarging
  /// interpolates between the nearest pixels, shrinking averages every pixel it covers instead
  /// of sampling a few (which would alias).
  public func resized(width newWidth: Int, height newHeight: Int) -> Image {
    guard newWidth != width || newHeight != height else { return self }
    let columns = Self.weights(from: width, to: newWidth)
    let rows = Self.weights(from: height, to: newHeight)
    // Horizontal pass into floats, then vertical pass into bytes.
    var horizontal = [Float](repeating: 0, count: height * newWidth * channels)
    for y in 0..<height {
      for (x, taps) in columns.enumerated() {
        for c in 0..<channels {
          var sum: Float = 0
          for (source, weight) in taps {
            sum += weight * Float(pixels[(y * width + source) * channels + c])
          }
          horizontal[(y * newWidth + x) * channels + c] = sum
        }
      }
    }
    var result = [UInt8](repeating: 0, count: newHeight * newWidth * channels)
    for (y, taps) in rows.enumerated() {
      for x in 0..<newWidth {
        for c in 0..<channels {
          var sum: Float = 0
          for (source, weight) in taps {
            sum += weight * horizontal[(source * newWidth + x) * channels + c]
          }
          result[(y * newWidth + x) * channels + c] = UInt8(max(0, min(255, sum.rounded())))
        }
      }
    }
    return Image(width: newWidth, height: newHeight, channels: channels, pixels: result)
  }

  /// For each output position, the input positions it reads and their weights (summing to 1).
  static func weights(from input: Int, to output: Int) -> [[(Int, Float)]] {
    let scale = Double(input) / Double(output)
    let support = max(scale, 1)
    return (0..<output).map { o in
      let center = (Double(o) + 0.5) * scale
      let first = max(0, Int((center - support).rounded(.down)))
      let last = min(input - 1, Int((center + support).rounded(.up)))
      var taps: [(Int, Float)] = []
      var total = 0.0
      for i in first...max(first, last) {
        let weight = max(0, 1 - abs((Double(i) + 0.5 - center) / support))
        if weight > 0 {
          taps.append((i, Float(weight)))
          total += weight
        }
      }
      if taps.isEmpty { return [(min(max(Int(center), 0), input - 1), 1)] }
      return taps.map { ($0.0, Float(Double($0.1) / total)) }
    }
  }
}
