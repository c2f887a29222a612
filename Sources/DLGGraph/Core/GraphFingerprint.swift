import Foundation

extension Graph {
  /// A short hash of what the graph computes: each node's op type and typed attributes, in
  /// order, and each value's type and role. Two graphs with the same fingerprint are the same
  /// computation; a checkpoint records it so that a run resumes only the model it was written
  /// for, even when the file was edited but still lowers.
  public var fingerprint: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    func mix(_ bytes: some Sequence<UInt8>) {
      for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    }
    for value in values {
      mix("\(value.type)|\(value.isPersistent)|".utf8)
    }
    for node in nodes {
      mix((try? encoder.encode(OpRecord(node.op))) ?? Data(node.op.opType.utf8))
      mix("\(node.inputs.map(\.index))>\(node.outputs.map(\.index));".utf8)
    }
    return String(hash, radix: 16)
  }
}
