import DLGGraph
import DLGLowering
import DLGRuntime

/// Writes a model's trained f32 weights as int8 (`dlg quantize`): the weights of its Dense
/// and Conv2D layers, with one scale per output channel (`Int8Weights`); biases,
/// normalization and embedding tables stay f32, as they are small or read by index.
public enum WeightQuantizer {
  /// One weight written as int8.
  public struct Layer: Sendable {
    public var name: String
    public var shape: [Int]
    /// The axis of the output channels, along which the scales run.
    public var axis: Int
    /// The largest error of a dequantized weight, relative to the largest weight.
    public var relativeError: Float
  }

  /// What quantizing produced: the new file's bytes and what went into it.
  public struct Result: Sendable {
    public var bytes: [UInt8]
    public var layers: [Layer]
    /// The tensors kept in f32.
    public var keptNames: [String]
  }

  /// The output-channel axis of every weight that a Dense (`MatMul`) or `Conv2D` op reads,
  /// by name. A weight read along two different axes (tied, one use transposed) is left out:
  /// no one set of per-channel scales serves both.
  public static func channelAxes(of graph: Graph) -> [String: Int] {
    var axes: [ValueID: Int] = [:]
    var conflicting: Set<ValueID> = []
    for node in graph.nodes where node.inputs.count >= 2 {
      let weight = node.inputs[1]
      guard case .parameter = graph[weight].role else { continue }
      let rank = graph[weight].type.rank
      let axis: Int
      if node.op is Conv2D, rank == 4 {
        axis = 3  // [kh, kw, in, out]
      } else if let product = node.op as? MatMul, !product.transposeA, rank == 2 {
        axis = product.transposeB ? 0 : 1  // [in, out], or [out, in] when transposed
      } else {
        continue
      }
      if let known = axes[weight], known != axis { conflicting.insert(weight) }
      axes[weight] = axis
    }
    var named: [String: Int] = [:]
    for (weight, axis) in axes where !conflicting.contains(weight) {
      named[graph[weight].name] = axis
    }
    return named
  }

  /// The int8 file for `model` of the weights file at `path`, after checking that the file
  /// holds exactly this model's weights, in f32, all finite.
  public static func quantize(model: Model, weights path: String) throws(PredictionError)
    -> Result
  {
    let (tensors, metadata): ([String: SafeTensors.Tensor], [String: String])
    do {
      (tensors, metadata) = try SafeTensors.readFile(path)
      // Names and shapes only: a store with no buffers checks without copying.
      try ParameterStore().load(
        tensors, into: model.graph.modelWeights, of: model.graph, path: path)
    } catch {
      throw PredictionError(error.description)
    }
    if metadata[Int8Weights.metadataKey] != nil
      || tensors.values.contains(where: { $0.dtype == "I8" })
    {
      throw PredictionError("\(path) is int8 already: quantize the f32 weights it came from")
    }
    let axes = channelAxes(of: model.graph)
    var entries: [SafeTensors.Entry] = []
    var layers: [Layer] = []
    var kept: [String] = []
    for name in tensors.keys.sorted() {
      let tensor = tensors[name]!
      guard let axis = axes[name] else {
        kept.append(name)
        entries.append(floatEntry(name, shape: tensor.shape, values: tensor.values))
        continue
      }
      guard tensor.values.allSatisfy(\.isFinite) else {
        throw PredictionError(
          "\(path): `\(name)` holds values that are not finite numbers (NaN or infinity): "
            + "the training diverged, and there is nothing to quantize")
      }
      let quantized = Int8Weights.quantize(tensor.values, shape: tensor.shape, axis: axis)
      entries.append(
        SafeTensors.Entry(name: name, dtype: "I8", shape: tensor.shape, bytes: quantized.bytes))
      entries.append(
        floatEntry(
          name + Int8Weights.scaleSuffix, shape: quantized.scaleShape, values: quantized.scales))
      let largest = tensor.values.reduce(0) { max($0, abs($1)) }
      layers.append(
        Layer(
          name: name, shape: tensor.shape, axis: axis,
          relativeError: largest > 0 ? quantized.maxError / largest : 0))
    }
    var written = metadata
    written[Int8Weights.metadataKey] = Int8Weights.metadataValue
    return Result(
      bytes: SafeTensors.encode(entries, metadata: written), layers: layers, keptNames: kept)
  }

  /// An F32 entry of `values`, in the file's little-endian order.
  private static func floatEntry(_ name: String, shape: [Int], values: [Float])
    -> SafeTensors.Entry
  {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(values.count * 4)
    for value in values {
      withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }
    return SafeTensors.Entry(name: name, dtype: "F32", shape: shape, bytes: bytes)
  }
}
