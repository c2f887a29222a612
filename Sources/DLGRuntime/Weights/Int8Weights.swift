/// int8 weights in a safetensors file, as `dlg quantize` writes them: a weight is stored as
/// I8 values `q` beside an F32 tensor of scales `s`, one per output channel, and stands for
/// `q · s`. The scales' shape is the weight's with every axis but the channel axis set to 1
/// (`fc.weight` [784, 128] has `fc.weight.int8_scale` [1, 128]), so a file says by itself
/// which axis its scales run along, and a per-tensor scale is the all-ones shape.
///
/// Quantization is symmetric (no zero point): `s = max |w| / 127` over the channel and
/// `q = round(w / s)` in −127…127, so the largest weight of each channel is exact and every
/// other is off by at most `s / 2`. Reading dequantizes (`SafeTensors.decode`), so every
/// reader of weights (`dlg predict`, `eval`, `serve`, `bench --inference`, the library's
/// `Predictor`) takes such a file as it takes an f32 one; what is saved is file size.
public enum Int8Weights {
  /// The name of a quantized weight's scales is the weight's name followed by this.
  public static let scaleSuffix = ".int8_scale"

  /// The metadata key (and value) that marks a file as quantized.
  public static let metadataKey = "quantization"
  public static let metadataValue = "int8 weights, symmetric, one scale per output channel"

  /// An int8 weight as a file holds it, kept beside its dequantized values for the kernels
  /// that compute on int8 (`PanelMatrix`).
  public struct Stored: Sendable {
    public var values: [Int8]
    /// One scale per index of `axis`, or a single scale for the whole tensor (`axis` nil).
    public var scales: [Float]
    public var axis: Int?
  }

  /// One weight in int8: its values, then its scales and their shape.
  public struct Quantized: Sendable {
    /// The int8 values, in the weight's order, as the bytes of an I8 tensor.
    public var bytes: [UInt8]
    public var scales: [Float]
    public var scaleShape: [Int]
    /// The largest difference between a weight and its dequantized value.
    public var maxError: Float
  }

  /// `values` of `shape` quantized with one scale per index of `axis`. The values must be
  /// finite (a caller checks: a trained weight that is not has nothing to quantize).
  public static func quantize(_ values: [Float], shape: [Int], axis: Int) -> Quantized {
    let (outer, channels, inner) = split(shape, axis: axis)
    var largest = [Float](repeating: 0, count: channels)
    for o in 0..<outer {
      for c in 0..<channels {
        let base = (o * channels + c) * inner
        for i in 0..<inner { largest[c] = max(largest[c], abs(values[base + i])) }
      }
    }
    let scales = largest.map { $0 / 127 }
    var bytes = [UInt8](repeating: 0, count: values.count)
    var maxError: Float = 0
    for o in 0..<outer {
      for c in 0..<channels where scales[c] > 0 {
        let base = (o * channels + c) * inner
        for i in 0..<inner {
          let q = min(127, max(-127, (values[base + i] / scales[c]).rounded()))
          bytes[base + i] = UInt8(bitPattern: Int8(q))
          maxError = max(maxError, abs(q * scales[c] - values[base + i]))
        }
      }
    }
    var scaleShape = [Int](repeating: 1, count: shape.count)
    scaleShape[axis] = channels
    return Quantized(bytes: bytes, scales: scales, scaleShape: scaleShape, maxError: maxError)
  }

  /// `shape` as the element counts before, along and after `axis`.
  private static func split(_ shape: [Int], axis: Int) -> (outer: Int, channels: Int, inner: Int) {
    (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
  }

  /// Replaces every I8 tensor's values by the values times their scales and drops the scale
  /// tensors, after checking that each I8 tensor has finite scales of a shape that fits it
  /// and that no scales are left over.
  static func dequantize(
    _ tensors: inout [String: SafeTensors.Tensor], fail: (String) -> WeightsError
  ) throws(WeightsError) {
    for name in tensors.keys.sorted() where name.hasSuffix(scaleSuffix) {
      let weight = String(name.dropLast(scaleSuffix.count))
      guard tensors[weight]?.dtype == "I8" else {
        throw fail("`\(name)` holds int8 scales, but `\(weight)` is not an I8 tensor of the file")
      }
    }
    for name in tensors.keys.sorted() where tensors[name]?.dtype == "I8" {
      guard var weight = tensors[name], let scales = tensors[name + scaleSuffix] else {
        throw fail("`\(name)` is int8 but has no scales (`\(name + scaleSuffix)`)")
      }
      let varying = scales.shape.indices.filter { scales.shape[$0] != 1 }
      guard scales.dtype == "F32", scales.shape.count == weight.shape.count, varying.count <= 1,
        varying.allSatisfy({ scales.shape[$0] == weight.shape[$0] })
      else {
        throw fail(
          "the scales of `\(name)` have shape \(scales.shape) (\(scales.dtype)), which does not "
            + "fit its shape \(weight.shape): expected F32 with one axis of the weight's and "
            + "the others 1")
      }
      guard scales.values.allSatisfy(\.isFinite) else {
        throw fail("the scales of `\(name)` are not all finite numbers")
      }
      let axis = varying.first ?? 0
      let (outer, channels, inner) =
        varying.isEmpty ? (1, 1, weight.values.count) : split(weight.shape, axis: axis)
      weight.int8 = Stored(
        values: weight.values.map { Int8($0) }, scales: scales.values, axis: varying.first)
      weight.values.withUnsafeMutableBufferPointer { values in
        for o in 0..<outer {
          for c in 0..<channels {
            let (base, scale) = ((o * channels + c) * inner, scales.values[c])
            for i in 0..<inner { values[base + i] *= scale }
          }
        }
      }
      tensors[name] = weight
      tensors[name + scaleSuffix] = nil
    }
  }
}
