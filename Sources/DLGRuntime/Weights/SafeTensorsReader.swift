import DLGGraph
import Foundation

/// Reads safetensors files, checking every field before trusting it: a truncated, corrupt or
/// foreign file gets a message that says what is wrong, never a crash or a huge allocation.
extension SafeTensors {
  /// One tensor read from a file.
  public struct Tensor: Sendable {
    public var dtype: String
    public var shape: [Int]
    /// The values, converted to f32 (F32 files are read as they are; I32, I64, F64, F16 and
    /// BF16, as PyTorch may write them, converted; I8 weights multiplied by their scales, see
    /// `Int8Weights`).
    public var values: [Float]
    /// For an I8 tensor, its int8 values and scales as stored, which int8 kernels use.
    public var int8: Int8Weights.Stored?

    public init(dtype: String, shape: [Int], values: [Float]) {
      self.dtype = dtype
      self.shape = shape
      self.values = values
    }
  }

  /// The tensors of a file, by name.
  public static func read(_ path: String) throws(WeightsError) -> [String: Tensor] {
    try readFile(path).tensors
  }

  /// The tensors and the string metadata of a file.
  public static func readFile(_ path: String) throws(WeightsError)
    -> (tensors: [String: Tensor], metadata: [String: String])
  {
    try decode(try fileBytes(path), source: path)
  }

  /// The bytes of a file, or an error naming it.
  public static func fileBytes(_ path: String) throws(WeightsError) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw WeightsError("cannot read \(path): no such file")
    }
    return [UInt8](data)
  }

  /// The tensors and the string metadata of safetensors bytes held in memory (an upload, a
  /// fuzzer's input). `source` names them in errors, as the path does for a file.
  public static func decode(_ bytes: [UInt8], source: String) throws(WeightsError)
    -> (tensors: [String: Tensor], metadata: [String: String])
  {
    func fail(_ why: String) -> WeightsError {
      WeightsError("\(source) is not a valid safetensors file: \(why)")
    }
    guard bytes.count >= 8 else { throw fail("it is only \(bytes.count) bytes long") }
    var headerLength = 0
    for i in 0..<8 { headerLength |= Int(bytes[i]) << (8 * i) }
    guard headerLength > 1, headerLength <= bytes.count - 8 else {
      throw fail("its header claims \(headerLength) bytes but the file has \(bytes.count - 8)")
    }
    let headerData = Data(bytes[8..<8 + headerLength])
    guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
      throw fail("its header is not a JSON object")
    }
    let dataStart = 8 + headerLength
    let dataCount = bytes.count - dataStart
    var tensors: [String: Tensor] = [:]
    var ranges: [(begin: Int, end: Int, name: String)] = []
    let metadata = (header["__metadata__"] as? [String: String]) ?? [:]
    var fields: [(name: String, field: String)] = []
    for (name, entry) in header where name != "__metadata__" {
      guard let entry = entry as? [String: Any], let dtype = entry["dtype"] as? String,
        let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int],
        offsets.count == 2
      else { throw fail("the entry for `\(name)` lacks dtype, shape or data_offsets") }
      guard let width = Self.elementBytes[dtype] else {
        throw fail(
          "`\(name)` has dtype \(dtype); dlg reads "
            + Self.elementBytes.keys.sorted().joined(separator: ", "))
      }
      var count = 1
      for extent in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: extent)
        guard extent >= 0, !overflow else {
          throw fail("`\(name)` has an impossible shape \(shape)")
        }
        count = product
      }
      // Compared as `count` against the range divided by the width: `count * width`
      // overflows for a shape such as [2^62], which the product above accepts.
      let (begin, end) = (offsets[0], offsets[1])
      guard begin >= 0, begin <= end, end <= dataCount, (end - begin) % width == 0,
        (end - begin) / width == count
      else {
        throw fail(
          "the data of `\(name)` (bytes \(begin)..<\(end)) does not match its shape \(shape) "
            + "or lies outside the \(dataCount) data bytes: the file may be truncated")
      }
      ranges.append((begin, end, name))
      fields.append(
        (
          name,
          Checksums.tensorField(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
        ))
      if let expected = metadata[Checksums.prefix + name] {
        let actual = bytes.withUnsafeBytes { raw in
          Checksums.crc32(
            UnsafeRawBufferPointer(rebasing: raw[dataStart + begin..<dataStart + end]))
        }
        guard Checksums.hex(actual) == expected else {
          throw fail("the data of `\(name)` is damaged (its checksum does not match)")
        }
      }
      let values = bytes.withUnsafeBufferPointer { buffer in
        Self.floats(
          UnsafeRawPointer(buffer.baseAddress! + dataStart + begin), count: count, dtype: dtype)
      }
      tensors[name] = Tensor(dtype: dtype, shape: shape, values: values)
    }
    // Two tensors sharing bytes is a corrupt (or crafted) file, not two tensors.
    let ordered = ranges.sorted { ($0.begin, $0.name) < ($1.begin, $1.name) }
    for (first, second) in zip(ordered, ordered.dropFirst()) where second.begin < first.end {
      throw fail("the data of `\(first.name)` and `\(second.name)` overlap")
    }
    // Files dlg wrote carry a checksum of their header; other writers' files have none.
    if let expected = metadata[Checksums.prefix] {
      let actual = Checksums.headerChecksum(
        fields: fields.sorted { $0.name < $1.name }.map(\.field), metadata: metadata)
      guard Checksums.hex(actual) == expected else {
        throw fail("its header is damaged (its checksum does not match)")
      }
    }
    try Int8Weights.dequantize(&tensors, fail: fail)
    return (tensors, metadata.filter { !$0.key.hasPrefix(Checksums.prefix) })
  }
}

extension SafeTensors {
  /// The dtypes dlg reads, by the bytes one element takes.
  static let elementBytes = ["F32": 4, "I32": 4, "F64": 8, "I64": 8, "F16": 2, "BF16": 2, "I8": 1]

  /// `count` little-endian elements of `dtype` at `raw`, as f32.
  static func floats(_ raw: UnsafeRawPointer, count: Int, dtype: String) -> [Float] {
    var values = [Float](repeating: 0, count: count)
    func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
      T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
    }
    for i in 0..<count {
      switch dtype {
      case "F32": values[i] = Float(bitPattern: load(UInt32.self, i))
      case "I32": values[i] = Float(Int32(bitPattern: load(UInt32.self, i)))
      case "F64": values[i] = Float(Double(bitPattern: load(UInt64.self, i)))
      case "I64": values[i] = Float(Int64(bitPattern: load(UInt64.self, i)))
      case "F16": values[i] = Float(Float16(bitPattern: load(UInt16.self, i)))
      // bfloat16 is the top half of an f32.
      case "BF16": values[i] = Float(bitPattern: UInt32(load(UInt16.self, i)) << 16)
      case "I8": values[i] = Float(Int8(bitPattern: load(UInt8.self, i)))
      default: break
      }
    }
    return values
  }
}

extension ParameterStore {
  /// Replaces the parameters and statistics of `graph` with the tensors of a safetensors
  /// file, after checking that every one is there with the right shape (and nothing else is).
  public func loadWeights(_ path: String, into graph: Graph) throws(WeightsError) {
    try loadWeights(bytes: try SafeTensors.fileBytes(path), source: path, into: graph)
  }

  /// `loadWeights` from the bytes of a safetensors file held in memory; `source` names them
  /// in errors, as the path does for a file.
  public func loadWeights(bytes: [UInt8], source: String, into graph: Graph)
    throws(WeightsError)
  {
    let tensors = try SafeTensors.decode(bytes, source: source).tensors
    try load(tensors, into: graph.modelWeights, of: graph, path: source)
  }

  /// Fills `values` from `tensors` by name, refusing missing, extra or misshapen tensors.
  public func load(
    _ tensors: [String: SafeTensors.Tensor], into values: [ValueID], of graph: Graph, path: String
  ) throws(WeightsError) {
    let expected = Set(values.map { graph[$0].name })
    if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
      throw WeightsError(
        "\(path) has a tensor `\(extra)` that this model does not have: "
          + "was it saved from another model, or with another optimizer?")
    }
    for value in values {
      let name = graph[value].name
      let shape = graph[value].type.dimensions(batch: 1)
      guard let tensor = tensors[name] else {
        throw WeightsError("\(path) has no tensor `\(name)`, which this model needs")
      }
      guard tensor.shape == shape else {
        let text = { (s: [Int]) in s.map(String.init).joined(separator: "×") }
        throw WeightsError(
          "\(path): `\(name)` has shape \(text(tensor.shape)), but the model expects "
            + "\(text(shape))")
      }
      guard let buffer = buffer(value) else { continue }
      buffer.floats.update(from: tensor.values, count: tensor.values.count)
      keepInt8(value, from: tensor)
    }
  }
}
