import DLGGraph

/// What it takes to read a PyTorch `state_dict` (as `safetensors.torch.save_file` writes it)
/// into a dlg model of the same architecture. The names mostly agree (`conv1.weight`,
/// `fc.bias`); the layouts do not:
///
/// - `Linear.weight` is `[out, in]`; a dlg Dense weight is `[in, out]`.
/// - `Conv2d.weight` is `[out, in, kh, kw]`; a dlg Conv2D weight is `[kh, kw, in, out]`.
/// - A Dense after `Flatten` of an image reads its features in NCHW order in PyTorch and in
///   NHWC order in dlg: its rows are permuted as well, and so are the per-feature vectors of
///   the layers between them (a `BatchNorm1d` on the flattened features), which the search
///   for the Flatten looks through along with dropout and activations.
/// - Normalization scales and shifts are `weight` and `bias` (dlg: `gamma` and `beta`);
///   recurrent weights end in `_l0` (`weight_ih_l0`, `weight_ih_l0_reverse`); batch norm's
///   `num_batches_tracked` has no dlg counterpart and stays unused.
struct PyTorchLayout {
  /// How one model tensor is read from the file's tensor.
  enum Conversion {
    case none
    /// `[out, in]` → `[in, out]`; with `image`, the `in` index runs over NCHW features of an
    /// image of that height, width and channel count.
    case dense(image: (height: Int, width: Int, channels: Int)?)
    /// `[out, in, kh, kw]` → `[kh, kw, in, out]`.
    case convolution
    /// A vector over the flattened NCHW features of an image, put in NHWC order.
    case features(image: (height: Int, width: Int, channels: Int))
  }

  private var conversions: [ValueID: Conversion] = [:]

  /// Finds, in the forward graph, the op that reads each weight.
  init(_ graph: Graph) {
    for node in graph.nodes where node.inputs.count >= 2 {
      let weight = node.inputs[1]
      guard case .parameter = graph[weight].role else { continue }
      if node.op is Conv2D {
        conversions[weight] = .convolution
      } else if node.op is MatMul, graph[weight].type.rank == 2 {
        let (image, vectors) = Self.flattenedImage(feeding: node.inputs[0], graph)
        conversions[weight] = .dense(image: image)
        if let image { for vector in vectors { conversions[vector] = .features(image: image) } }
      }
    }
  }

  /// `[N, H, W, C]` reshaped to `[N, H·W·C]`: the image a Dense layer's features came from,
  /// looking back through ops that keep each feature in its place (dropout, activations,
  /// normalization), and the per-feature weights and statistics of those ops.
  private static func flattenedImage(feeding x: ValueID, _ graph: Graph)
    -> (image: (height: Int, width: Int, channels: Int)?, vectors: [ValueID])
  {
    var value = x
    var vectors: [ValueID] = []
    let features = graph[x].type.dimensions(batch: 1)
    while let producer = graph[value].producer {
      let node = graph.nodes[producer]
      if node.op is Reshape {
        let source = graph[node.inputs[0]].type.dimensions(batch: 1)
        guard source.count == 4, source[1] * source[2] > 1, source[3] > 1 else { break }
        return ((source[1], source[2], source[3]), vectors)
      }
      // Only an op whose output is its first input's type, and whose other inputs are
      // vectors of weights or statistics over those features, keeps the features in place.
      guard let data = node.inputs.first, graph[data].type == graph[value].type else { break }
      let others = node.inputs.dropFirst()
      guard
        others.allSatisfy({
          graph[$0].producer == nil && graph[$0].isPersistent
            && graph[$0].type.dimensions(batch: 1) == [features.last ?? 0]
        })
      else { break }
      vectors += others
      value = data
    }
    return (nil, [])
  }

  /// The file's name for the model's tensor `name`.
  func fileName(for name: String) -> String {
    for (dlg, torch) in [(".gamma", ".weight"), (".beta", ".bias")] where name.hasSuffix(dlg) {
      return name.dropLast(dlg.count) + torch
    }
    for stem in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] {
      for suffix in ["_reverse", ""] where name.hasSuffix("." + stem + suffix) {
        return name.dropLast(stem.count + suffix.count) + stem + "_l0" + suffix
      }
    }
    return name
  }

  /// The shape the file holds for a model tensor of `shape`.
  func fileShape(of value: ValueID, shape: [Int]) -> [Int] {
    switch conversions[value] ?? .none {
    case .none, .features: shape
    case .dense: [shape[1], shape[0]]
    case .convolution: [shape[3], shape[2], shape[0], shape[1]]
    }
  }

  /// The file's values rearranged into the model's layout (`shape` is the model's).
  func convert(_ values: [Float], of value: ValueID, shape: [Int]) -> [Float] {
    var result = values
    switch conversions[value] ?? .none {
    case .none:
      break
    case .features(let image):
      for i in 0..<min(values.count, image.height * image.width * image.channels) {
        result[i] = values[Self.channelFirstIndex(of: i, image)]
      }
    case .dense(let image):
      let (inputs, outputs) = (shape[0], shape[1])
      for o in 0..<outputs {
        for i in 0..<inputs {
          let source = image.map { Self.channelFirstIndex(of: i, $0) } ?? i
          result[i * outputs + o] = values[o * inputs + source]
        }
      }
    case .convolution:
      let (kh, kw, cin, cout) = (shape[0], shape[1], shape[2], shape[3])
      for o in 0..<cout {
        for i in 0..<cin {
          for y in 0..<kh {
            for x in 0..<kw {
              result[((y * kw + x) * cin + i) * cout + o] =
                values[((o * cin + i) * kh + y) * kw + x]
            }
          }
        }
      }
    }
    return result
  }

  /// dlg's feature i is (h, w, c) in NHWC order; PyTorch's index for it is c·H·W + h·W + w.
  static func channelFirstIndex(of i: Int, _ image: (height: Int, width: Int, channels: Int))
    -> Int
  {
    let c = i % image.channels
    let w = (i / image.channels) % image.width
    let h = i / (image.channels * image.width)
    return (c * image.height + h) * image.width + w
  }
}
