import DLGGraph
import Foundation

extension LayerCatalog {
  /// `PositionalEmbedding[length, dimensions]`: a learned vector per position, added to each
  /// sample of `[N, length, dimensions]` (as GPT and BERT do).
  static let positionalEmbedding = LayerSpec(
    name: "PositionalEmbedding", aliases: ["PositionEmbedding"],
    parameters: [ParameterSpec("length", .integer), ParameterSpec("dimensions", .integer)],
    family: .other,
    lowering: { arguments, inputs, context throws(GraphError) in
      let (length, dimensions) = (arguments.integer("length"), arguments.integer("dimensions"))
      try checkSequence(inputs[0], length: length, dimensions: dimensions, &context)
      let table = try context.parameter(
        "table", [length * dimensions], .glorotUniform(fanIn: length, fanOut: dimensions))
      return try addPerPosition(table, to: inputs[0], length, dimensions, &context)
    })

  /// `SinusoidalPosition`: the fixed sines and cosines of Vaswani et al. (2017) added to each
  /// sample of `[N, length, dimensions]`; nothing is learned.
  static let sinusoidalPosition = LayerSpec(
    name: "SinusoidalPosition", aliases: ["SinusoidalPositionalEncoding"], family: .other,
    lowering: { _, inputs, context throws(GraphError) in
      let type = context.graph[inputs[0]].type
      guard type.rank == 3, case .fixed(let length) = type.shape[1],
        case .fixed(let dimensions) = type.shape[2]
      else {
        throw GraphError(
          "SinusoidalPosition works on sequences [N, length, dimensions], got \(type)")
      }
      var table = [Float](repeating: 0, count: length * dimensions)
      for position in 0..<length {
        for i in 0..<dimensions {
          let angle = Double(position) / pow(10_000, Double(i / 2 * 2) / Double(dimensions))
          table[position * dimensions + i] = Float(i % 2 == 0 ? sin(angle) : cos(angle))
        }
      }
      let constant = context.graph.addIntermediate(
        "\(context.layerName).table", .fixed([length * dimensions]))
      context.graph.makeConstant(constant, table)
      return try addPerPosition(constant, to: inputs[0], length, dimensions, &context)
    })

  /// Refuses an input that is not `[N, length, dimensions]`, with both shapes.
  private static func checkSequence(
    _ x: ValueID, length: Int, dimensions: Int, _ context: inout LayerLoweringContext
  ) throws(GraphError) {
    let type = context.graph[x].type
    guard type == .batched([length, dimensions]) else {
      throw GraphError(
        "the positional table is [\(length), \(dimensions)], but its input is \(type)",
        notes: ["expected: \(TensorType.batched([length, dimensions]))", "got:      \(type)"],
        help: "make the table as long as the sequence, and as wide as the embedding")
    }
  }

  /// `x + table` for each sample: the sequence seen as one row of `length · dimensions`
  /// values (views, no copies), the table added as a bias.
  private static func addPerPosition(
    _ table: ValueID, to x: ValueID, _ length: Int, _ dimensions: Int,
    _ context: inout LayerLoweringContext
  ) throws(GraphError) -> ValueID {
    let flat = try context.apply(Reshape([.batch, .fixed(length * dimensions)]), [x])
    let added = try context.apply(BiasAdd(), [flat, table])
    return try context.apply(Reshape([.batch, .fixed(length), .fixed(dimensions)]), [added])
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  LayerCatalog.register(LayerCatalog.positionalEmbedding, LayerCatalog.sinusoidalPosition)
}
