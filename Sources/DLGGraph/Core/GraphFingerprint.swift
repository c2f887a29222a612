import Foundation

extension Graph {
  /// Bumped whenever what the fingerprint covers or how ops encode changes, so that an old
  /// checkpoint is told it comes from another version rather than from another model.
  public static let fingerprintVersion = 1

  /// A short hash of what the graph computes up to `outputs`: each node's op type and typed
  /// attributes, in order, and each value's type and role. Nodes the outputs do not need (a
  /// metric) do not count, nor do names. Two graphs with the same fingerprint are the same
  /// computation; a checkpoint records it so that a run resumes only the model it was written
  /// for, even when the file was edited but still lowers.
  public func fingerprint(of outputs: [ValueID]) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    // A NaN or infinite attribute must encode too, not drop the op's attributes.
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    func mix(_ bytes: some Sequence<UInt8>) {
      for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    }
    var needed = Set(outputs)
    var live = Array(repeating: false, count: nodes.count)
    for (index, node) in nodes.enumerated().reversed()
    where node.outputs.contains(where: needed.contains) {
      live[index] = true
      needed.formUnion(node.inputs)
    }
    mix("v\(Self.fingerprintVersion)".utf8)
    for value in values.indices.map(ValueID.init) where needed.contains(value) {
      let role: String =
        switch self[value].role {
        case .input: "input"
        case .parameter: "parameter"
        case .statistic: "statistic"
        case .state: "state"
        case .intermediate: "intermediate"
        case .constant: "constant"
        }
      mix("\(value.index):\(self[value].type)|\(role);".utf8)
    }
    for (index, node) in nodes.enumerated() where live[index] {
      mix((try? encoder.encode(OpRecord(node.op))) ?? Data("\(node.op)".utf8))
      mix("\(node.inputs.map(\.index))>\(node.outputs.map(\.index));".utf8)
    }
    return String(hash, radix: 16)
  }
}
