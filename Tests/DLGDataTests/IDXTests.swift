import Foundation
import Testing

@testable import DLGData

func temporaryFolder() throws -> String {
  let path = FileManager.default.temporaryDirectory
    .appendingPathComponent("dlg-data-\(UUID().uuidString)").path
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

@Suite struct IDXTests {
  @Test(arguments: [false, true])
  func roundTrip(gzip: Bool) throws {
    let folder = try temporaryFolder()
    let path = "\(folder)/a.idx" + (gzip ? ".gz" : "")
    let bytes = (0..<24).map { UInt8($0 * 10) }
    try IDXWriter.write(path: path, dimensions: [2, 3, 4], bytes: bytes, gzip: gzip)
    let array = try IDXReader.read(path: path)
    #expect(array.dimensions == [2, 3, 4])
    #expect(array.values == bytes.map(Float.init))
  }

  @Test func datasetLoadsScalesAndAddsChannel() throws {
    let folder = try temporaryFolder()
    try IDXWriter.write(
      path: "\(folder)/train-images-idx3-ubyte.gz", dimensions: [3, 2, 2],
      bytes: (0..<12).map { UInt8($0 * 20) }, gzip: true)
    try IDXWriter.write(
      path: "\(folder)/train-labels-idx1-ubyte", dimensions: [3], bytes: [2, 0, 1], gzip: false)
    let data = try IDXDataset.load(directory: folder, split: "train", scale: 0.5)
    #expect(data.sampleShape == [2, 2, 1])
    #expect(data.count == 3)
    #expect(data.labels == [2, 0, 1])
    #expect(data.features[5] == 50)
    #expect(data.classCount == 3)
  }

  @Test func noImagesIsAnErrorWhateverShapeTheyClaim() throws {
    // Found by the idx fuzz harness: zero images of 2^22 x 2^22 x 2^22 overflowed the sample
    // size later.
    let images: [UInt8] =
      [0, 0, 8, 4] + [0, 0, 0, 0] + [UInt8](repeating: 0, count: 0)
      + [0, 64, 0, 0] + [0, 64, 0, 0] + [0, 64, 0, 0]
    let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 0]
    #expect {
      try IDXDataset.load(
        images: images, imagesSource: "i.idx", labels: labels, labelsSource: "l.idx", scale: 1)
    } throws: { "\($0)".contains("holds no images") }
  }

  @Test func missingFolderSuggestsThePackage() throws {
    #expect {
      _ = try IDXDataset.load(directory: "/nonexistent/fashion-mnist", split: "train", scale: 1)
    } throws: { "\($0)".contains("apt-get install dataset-fashion-mnist") }
  }

  @Test func truncatedGzipIsReported() throws {
    let folder = try temporaryFolder()
    let path = "\(folder)/t.gz"
    try IDXWriter.write(
      path: path, dimensions: [100, 10], bytes: (0..<1000).map { UInt8($0 % 251) }, gzip: true)
    let full = try #require(FileManager.default.contents(atPath: path))
    try full.prefix(full.count / 2).write(to: URL(fileURLWithPath: path))
    #expect { _ = try IDXReader.read(path: path) } throws: { "\($0)".contains("truncated") }
  }

  @Test func corruptGzipIsReported() throws {
    let folder = try temporaryFolder()
    let path = "\(folder)/c.gz"
    try Data([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF]).write(
      to: URL(fileURLWithPath: path))
    #expect(throws: DataError.self) { _ = try IDXReader.read(path: path) }
  }

  @Test func badHeadersAreRefusedWithoutHugeAllocation() throws {
    // Wrong magic, unknown type, a truncated body, trailing bytes, and a declared shape of
    // 2^32 × 2^32 elements in a 20-byte file.
    let cases: [([UInt8], String)] = [
      ([1, 2, 3, 4], "magic"),
      ([0, 0, 0x42, 1, 0, 0, 0, 1, 7], "element type"),
      ([0, 0, 8, 1, 0, 0, 0, 9, 1, 2], "truncated"),
      ([0, 0, 8, 1, 0, 0, 0, 1, 1, 2], "unexpected bytes"),
      ([0, 0, 8, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4], "more than"),
    ]
    for (bytes, expected) in cases {
      #expect {
        _ = try IDXReader.parse(bytes, source: "x")
      } throws: { "\($0)".contains(expected) }
    }
  }

  @Test func mismatchedCountsAndBadLabels() throws {
    let folder = try temporaryFolder()
    try IDXWriter.write(
      path: "\(folder)/s-images-idx3-ubyte", dimensions: [2, 1, 1], bytes: [1, 2], gzip: false)
    try IDXWriter.write(
      path: "\(folder)/s-labels-idx1-ubyte", dimensions: [3], bytes: [0, 1, 2], gzip: false)
    #expect {
      _ = try IDXDataset.load(directory: folder, split: "s", scale: 1)
    } throws: { "\($0)".contains("3 labels but") }
  }

  @Test func realFashionMNISTLabelsIfInstalled() throws {
    let path = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"
    guard FileManager.default.fileExists(atPath: path) else { return }
    let labels = try IDXReader.read(path: path)
    #expect(labels.dimensions == [60000])
    #expect(labels.values.allSatisfy { (0...9).contains($0) })
  }
}

@Suite struct BatchingTests {
  @Test func everyIndexOncePerEpochAndSeededOrder() {
    let a = BatchIterator(
      count: 103, batchSize: 10, shuffle: true, seed: 1, epoch: 1, dropLast: false)
    #expect(a.batchCount == 11)
    let all = (0..<a.batchCount).flatMap { a.indices(ofBatch: $0) }
    #expect(all.sorted() == Array(0..<103))
    #expect(a.indices(ofBatch: 10).count == 3)
    let again = BatchIterator(
      count: 103, batchSize: 10, shuffle: true, seed: 1, epoch: 1, dropLast: false)
    #expect(Array(again.indices(ofBatch: 0)) == Array(a.indices(ofBatch: 0)))
    let nextEpoch = BatchIterator(
      count: 103, batchSize: 10, shuffle: true, seed: 1, epoch: 2, dropLast: false)
    #expect(Array(nextEpoch.indices(ofBatch: 0)) != Array(a.indices(ofBatch: 0)))
    let dropped = BatchIterator(
      count: 103, batchSize: 10, shuffle: false, seed: 1, epoch: 1, dropLast: true)
    #expect(dropped.batchCount == 10)
  }

  @Test func generatorIsDeterministicAndRoughlyUniform() {
    var a = SeededGenerator(seed: 42)
    var b = SeededGenerator(seed: 42)
    var buckets = [Int](repeating: 0, count: 10)
    for _ in 0..<10000 {
      let x = a.next()
      #expect(x == b.next())
      buckets[Int(x % 10)] += 1
    }
    #expect(buckets.allSatisfy { (850...1150).contains($0) })
  }

  @Test func gatherCopiesTheChosenSamples() {
    let data = Dataset(features: (0..<12).map(Float.init), sampleShape: [3], labels: [7, 8, 9, 10])
    var features = [Float](repeating: 0, count: 6)
    var labels = [Int32](repeating: 0, count: 2)
    features.withUnsafeMutableBufferPointer { f in
      labels.withUnsafeMutableBufferPointer { l in
        data.gather([3, 1], features: f.baseAddress!, labels: l.baseAddress!)
      }
    }
    #expect(features == [9, 10, 11, 3, 4, 5])
    #expect(labels == [10, 8])
  }
}

@Suite struct CSVTests {
  @Test func columnsBecomeFeaturesTargetsAndLabels() throws {
    let folder = try temporaryFolder()
    let path = "\(folder)/d.csv"
    try "a,b,\"y\",class\n1,2,3.5,0\n4,5,6.5,2\n\n".write(
      toFile: path, atomically: true, encoding: .utf8)
    let data = try CSVDataset.load(
      path: path, features: [], targets: ["y"], label: "class", scale: 2)
    #expect(data.sampleShape == [2])
    #expect(data.features == [2, 4, 8, 10])
    #expect(data.targets == [3.5, 6.5])
    #expect(data.targetWidth == 1)
    #expect(data.labels == [0, 2])
    let only = try CSVDataset.load(path: path, features: ["b"], targets: [], label: nil, scale: 1)
    #expect(only.features == [2, 5])
  }

  @Test func mistakesNameTheLine() throws {
    let folder = try temporaryFolder()
    let path = "\(folder)/d.csv"
    try "a,y\n1,2\n3,x\n".write(toFile: path, atomically: true, encoding: .utf8)
    #expect {
      _ = try CSVDataset.load(path: path, features: [], targets: ["y"], label: nil, scale: 1)
    } throws: { "\($0)".contains("d.csv:3") && "\($0)".contains("`x`") }
    #expect {
      _ = try CSVDataset.load(path: path, features: [], targets: ["z"], label: nil, scale: 1)
    } throws: { "\($0)".contains("no column `z`") && "\($0)".contains("a, y") }
    try "a,y\n1,2,3\n".write(toFile: path, atomically: true, encoding: .utf8)
    #expect {
      _ = try CSVDataset.load(path: path, features: [], targets: ["y"], label: nil, scale: 1)
    } throws: { "\($0)".contains("3 fields") }
  }
}

@Suite struct CIFARTests {
  @Test func recordsBecomeNHWCImages() throws {
    let folder = try temporaryFolder()
    // Two images: pixel p of channel c holds (p + 7c) % 256.
    var images: [UInt8] = []
    for _ in 0..<2 {
      for pixel in 0..<1024 {
        for channel in 0..<3 { images.append(UInt8((pixel + 7 * channel) % 256)) }
      }
    }
    try CIFARDataset.write(path: "\(folder)/test_batch.bin", images: images, labels: [3, 9])
    let data = try CIFARDataset.load(directory: folder, split: "test", scale: 1)
    #expect(data.sampleShape == [32, 32, 3])
    #expect(data.labels == [3, 9])
    #expect(data.features.prefix(6) == [0, 7, 14, 1, 8, 15])
    #expect(data.features.count == 2 * 3072)
  }

  @Test func truncatedAndMissingFilesAreReported() throws {
    let folder = try temporaryFolder()
    try Data(repeating: 1, count: 3000).write(to: URL(fileURLWithPath: "\(folder)/test_batch.bin"))
    #expect { _ = try CIFARDataset.load(directory: folder, split: "test", scale: 1) } throws: {
      "\($0)".contains("truncated")
    }
    #expect { _ = try CIFARDataset.load(directory: folder, split: "train", scale: 1) } throws: {
      "\($0)".contains("data_batch_1.bin") && "\($0)".contains("no such file")
    }
  }
}

@Suite struct TextDatasetTests {
  @Test func tokenizesBuildsAVocabularyAndPads() throws {
    let folder = try temporaryFolder()
    try "1\tGreat movie, GREAT fun!\n0\tboring movie\n".write(
      toFile: "\(folder)/train.tsv", atomically: true, encoding: .utf8)
    try "1\tgreat unseen words\n".write(
      toFile: "\(folder)/test.tsv", atomically: true, encoding: .utf8)
    #expect(TextDataset.tokenize("Great movie, GREAT fun!") == ["great", "movie", "great", "fun"])
    let (train, vocabulary) = try TextDataset.load(
      path: "\(folder)/train.tsv", vocabularySize: 4, length: 5, vocabulary: nil)
    // Ids 0 and 1 are padding and unknown; the two most frequent words get 2 and 3.
    #expect(vocabulary.ids == ["great": 2, "movie": 3])
    #expect(train.labels == [1, 0])
    #expect(Array(train.features.prefix(5)) == [2, 3, 2, 1, 0])
    let (test, same) = try TextDataset.load(
      path: "\(folder)/test.tsv", vocabularySize: 4, length: 5, vocabulary: vocabulary)
    #expect(same == vocabulary)
    #expect(test.features == [2, 1, 1, 0, 0])
    try "no tab here\n".write(toFile: "\(folder)/bad.tsv", atomically: true, encoding: .utf8)
    #expect {
      _ = try TextDataset.load(
        path: "\(folder)/bad.tsv", vocabularySize: 4, length: 5, vocabulary: nil)
    } throws: { "\($0)".contains("bad.tsv:1") }
  }
}
