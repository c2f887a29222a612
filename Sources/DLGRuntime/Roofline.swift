import DLGGraph
import DLGKernels

/// The least work a node must do, whatever its kernel: the floating-point operations of its
/// matrix products and convolutions, and the bytes of reading each input and writing each
/// output once. Against a machine's peaks (`MachinePeak`) it gives the least time the node can
/// take, so a measured time shows how far a kernel is from the physical limit.
///
/// Scratch (im2col patches, packed panels) is not counted: it is a kernel's choice, not work
/// the op must do. Elementwise arithmetic is not counted either: next to the bytes it moves,
/// it is free.
public struct RooflineCost: Sendable, Equatable {
  public var flops: Int
  public var bytes: Int

  public init(flops: Int, bytes: Int) {
    self.flops = flops
    self.bytes = bytes
  }

  public static func + (a: RooflineCost, b: RooflineCost) -> RooflineCost {
    RooflineCost(flops: a.flops + b.flops, bytes: a.bytes + b.bytes)
  }

  /// The least seconds this work takes on `machine`: arithmetic at the peak FMA rate or bytes
  /// at the bandwidth of the smallest cache that holds them, whichever is slower.
  public func seconds(on machine: MachinePeak) -> Double {
    machine.seconds(flops: flops, bytes: bytes)
  }
}

extension Executable {
  /// What node `index` must do at least at this plan's batch size. A value the node both
  /// reads and writes (an in-place update) is read once and written once; a view (a reshape)
  /// moves nothing.
  public func rooflineCost(ofNode index: Int) -> RooflineCost {
    let node = graph.nodes[index]
    if node.op.aliasedInput != nil { return RooflineCost(flops: 0, bytes: 0) }
    let flops = matrixProducts(ofNode: index).reduce(0) { $0 + $1.flops }
    func bytes(_ values: [ValueID]) -> Int {
      var seen = Set<ValueID>()
      return values.reduce(0) { total, value in
        guard seen.insert(value).inserted else { return total }
        let type = graph[value].type
        return total + type.elementCount(batch: batchSize) * type.dtype.byteSize
      }
    }
    return RooflineCost(flops: flops, bytes: bytes(node.inputs) + bytes(node.outputs))
  }

  /// The least seconds a whole step takes on `machine`: every node's least time, added (the
  /// peak rates already count every thread, so nodes running side by side gain nothing).
  public func rooflineSeconds(on machine: MachinePeak) -> Double {
    graph.nodes.indices.reduce(0) { $0 + rooflineCost(ofNode: $1).seconds(on: machine) }
  }
}
