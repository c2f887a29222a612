/// Element types a tensor can hold.
public enum DType: String, Sendable, Hashable, Codable {
  case float32 = "f32"
  case int32 = "i32"

  /// Bytes per element.
  public var byteSize: Int { 4 }
}

/// One dimension of a tensor shape: a fixed extent, or the symbolic batch dimension `N`
/// that is bound when a plan is compiled for a concrete batch size.
public enum Dimension: Sendable, Hashable, Codable, CustomStringConvertible {
  case batch
  case fixed(Int)

  /// The extent once the batch size is known.
  public func resolved(batch: Int) -> Int {
    switch self {
    case .batch: batch
    case .fixed(let n): n
    }
  }

  public var description: String {
    switch self {
    case .batch: "N"
    case .fixed(let n): String(n)
    }
  }
}

/// The static type of a graph value: element type and shape (possibly with a batch dimension).
public struct TensorType: Sendable, Hashable, Codable, CustomStringConvertible {
  public var dtype: DType
  public var shape: [Dimension]

  public init(_ dtype: DType = .float32, _ shape: [Dimension]) {
    self.dtype = dtype
    self.shape = shape
  }

  /// A float tensor whose first dimension is the batch: `f32[N, rest...]`.
  public static func batched(_ rest: [Int], dtype: DType = .float32) -> TensorType {
    TensorType(dtype, [.batch] + rest.map { .fixed($0) })
  }

  /// A float tensor with only fixed dimensions.
  public static func fixed(_ dims: [Int], dtype: DType = .float32) -> TensorType {
    TensorType(dtype, dims.map { .fixed($0) })
  }

  /// A single float.
  public static let scalar = TensorType(.float32, [])

  public var rank: Int { shape.count }
  public var isBatched: Bool { shape.contains(.batch) }

  /// The concrete extents for a batch size.
  public func dimensions(batch: Int) -> [Int] { shape.map { $0.resolved(batch: batch) } }

  /// Number of elements for a batch size.
  public func elementCount(batch: Int) -> Int {
    shape.reduce(1) { $0 * $1.resolved(batch: batch) }
  }

  /// Number of elements per batch item (the product of the fixed dimensions).
  public var elementsPerItem: Int {
    shape.reduce(1) { count, dim in
      if case .fixed(let n) = dim { return count * n }
      return count
    }
  }

  /// Elements per batch item, or nil if the product overflows: a shape no machine can hold.
  public var checkedElementsPerItem: Int? {
    var count = 1
    for case .fixed(let n) in shape {
      let (product, overflow) = count.multipliedReportingOverflow(by: n)
      guard !overflow else { return nil }
      count = product
    }
    return count
  }

  /// `f32[N×26×26×32]`, as diagnostics print it.
  public var description: String {
    "\(dtype.rawValue)[\(shapeDescription)]"
  }

  /// `N×26×26×32`, as diagram edges print it.
  public var shapeDescription: String {
    shape.isEmpty ? "scalar" : shape.map(\.description).joined(separator: "×")
  }
}
