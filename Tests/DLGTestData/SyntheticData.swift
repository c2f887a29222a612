import DLGData
import Foundation

/// A small image-classification problem that a CNN can learn in a few epochs: each of 10
/// classes is a bright 3×3 block at its own place in an 8×8 image, plus noise. Written as
/// gzip IDX files (the Fashion-MNIST layout) into a fresh temporary folder.
public enum SyntheticData {
  public static let side = 8
  public static let classes = 10

  public static func makeFolder(train: Int = 800, test: Int = 200, seed: UInt64 = 3) throws
    -> String
  {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlg-synthetic-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var generator = SeededGenerator(seed: seed)
    for (split, count) in [("train", train), ("t10k", test)] {
      var pixels: [UInt8] = []
      var labels: [UInt8] = []
      for _ in 0..<count {
        let label = Int(generator.next() % UInt64(classes))
        labels.append(UInt8(label))
        let (row, column) = (label / 5 * 4 + 1, label % 5)
        for y in 0..<side {
          for x in 0..<side {
            let inBlock = (row..<row + 3).contains(y) && (column..<column + 3).contains(x)
            let noise = Int(generator.next() % 60)
            pixels.append(UInt8(min(255, (inBlock ? 180 : 0) + noise)))
          }
        }
      }
      try IDXWriter.write(
        path: "\(folder)/\(split)-images-idx3-ubyte.gz", dimensions: [count, side, side],
        bytes: pixels, gzip: true)
      try IDXWriter.write(
        path: "\(folder)/\(split)-labels-idx1-ubyte.gz", dimensions: [count], bytes: labels,
        gzip: true)
    }
    return folder
  }

  /// A small CNN over the synthetic folder, in .dlg.
  public static func model(folder: String, epochs: Int = 3, optimizer: String = "Adam(lr: 0.01)")
    -> String
  {
    """
    neuralnet
      image: Input[8, 8, 1]
      conv:  Conv2D[6, 3x3, relu]
      flat:  Flatten
      fc:    Dense[16, relu]
      out:   Dense[10]
      image --> conv --> flat --> fc --> out
    train
      data      idx("\(folder)", split: "train", scale: 1/255)
      test      idx("\(folder)", split: "t10k", scale: 1/255)
      loss      softmax_cross_entropy(out, labels)
      optimizer \(optimizer)
      batch     16
      epochs    \(epochs)
      seed      5
      metrics   accuracy
    """
  }
}
