import Foundation
import Testing

@testable import DLGData

/// Feeds `read` every prefix of `bytes` and copies of it with single bytes overwritten: each
/// must either load or throw a `DataError` naming `source`, never trap. Returns how many
/// prefixes were refused (so a test can require that all were).
@discardableResult
func expectNoTrap(
  _ bytes: [UInt8], source: String, _ read: ([UInt8]) throws(DataError) -> Void
) -> Int {
  var refusedPrefixes = 0
  func attempt(_ candidate: [UInt8]) -> Bool {
    do {
      try read(candidate)
      return false
    } catch {
      #expect(error.path.hasPrefix(source), "\(error)")
      #expect("\(error)".hasPrefix(source))
      return true
    }
  }
  for length in 0..<bytes.count where attempt(Array(bytes.prefix(length))) {
    refusedPrefixes += 1
  }
  // Every byte of the headers, then a sample of the rest.
  let positions = Array(0..<min(bytes.count, 160)) + stride(from: 160, to: bytes.count, by: 97)
  for position in positions {
    for value: UInt8 in [0x00, 0x7F, 0x80, 0xFF] where bytes[position] != value {
      var corrupt = bytes
      corrupt[position] = value
      _ = attempt(corrupt)
    }
  }
  return refusedPrefixes
}

/// The same samples, shape, labels and targets.
func expectSame(_ a: Dataset, _ b: Dataset) {
  #expect(a.sampleShape == b.sampleShape)
  #expect(a.labels == b.labels)
  #expect(a.features == b.features)
  #expect(a.targets == b.targets)
  #expect(a.targetWidth == b.targetWidth)
}

func contents(_ path: String) throws -> [UInt8] {
  [UInt8](try #require(FileManager.default.contents(atPath: path)))
}

@Suite struct IDXBytesTests {
  @Test(arguments: [false, true])
  func bytesReadLikeTheFile(gzip: Bool) throws {
    let path = try temporaryFolder() + "/a.idx" + (gzip ? ".gz" : "")
    try IDXWriter.write(
      path: path, dimensions: [2, 3, 4], bytes: (0..<24).map { UInt8($0 * 10) }, gzip: gzip)
    let fromFile = try IDXReader.read(path: path)
    let fromBytes = try IDXReader.read(bytes: try contents(path), source: "upload")
    #expect(fromBytes.dimensions == fromFile.dimensions)
    #expect(fromBytes.bytes == fromFile.bytes)
  }

  @Test func datasetFromBytesMatchesTheFolder() throws {
    let folder = try temporaryFolder()
    let images = "\(folder)/train-images-idx3-ubyte.gz"
    let labels = "\(folder)/train-labels-idx1-ubyte"
    try IDXWriter.write(
      path: images, dimensions: [3, 2, 2], bytes: (0..<12).map { UInt8($0 * 20) }, gzip: true)
    try IDXWriter.write(path: labels, dimensions: [3], bytes: [2, 0, 1], gzip: false)
    let fromFolder = try IDXDataset.load(directory: folder, split: "train", scale: 0.5)
    let fromBytes = try IDXDataset.load(
      images: try contents(images), imagesSource: "images", labels: try contents(labels),
      labelsSource: "labels", scale: 0.5)
    expectSame(fromBytes, fromFolder)
    #expect {
      _ = try IDXDataset.load(
        images: try contents(images), imagesSource: "img", labels: [0, 0, 8, 1, 0, 0, 0, 2, 0, 1],
        labelsSource: "lbl", scale: 1)
    } throws: { "\($0)" == "lbl: has 2 labels but img has 3 images" }
  }

  @Test func hostileBytesAreRefusedNamingTheSource() throws {
    let path = try temporaryFolder() + "/h.idx"
    try IDXWriter.write(
      path: path, dimensions: [4, 5, 3], bytes: (0..<60).map { UInt8($0) }, gzip: false)
    let bytes = try contents(path)
    let refused = expectNoTrap(bytes, source: "fuzz") { candidate throws(DataError) in
      _ = try IDXReader.read(bytes: candidate, source: "fuzz")
    }
    #expect(refused == bytes.count)
    // The largest dimensions a header can declare, in a file of 12 bytes.
    #expect {
      _ = try IDXReader.read(
        bytes: [0, 0, 0x0E, 2] + Array(repeating: 0xFF, count: 8), source: "big")
    } throws: { "\($0)".hasPrefix("big: declares") }
  }

  @Test func corruptGzipBytesNameTheSource() throws {
    let path = try temporaryFolder() + "/g.idx.gz"
    try IDXWriter.write(
      path: path, dimensions: [100, 10], bytes: (0..<1000).map { UInt8($0 % 251) }, gzip: true)
    let bytes = try contents(path)
    #expect { _ = try IDXReader.read(bytes: Array(bytes.prefix(40)), source: "net") } throws: {
      "\($0)".hasPrefix("net: the gzip stream is truncated")
    }
    expectNoTrap(bytes, source: "gz") { candidate throws(DataError) in
      _ = try IDXReader.read(bytes: candidate, source: "gz")
    }
  }
}

@Suite struct GzipPieceTests {
  /// Input handed to zlib a few bytes at a time (as a file over 4 GiB is, in 4 GiB pieces)
  /// inflates to the same bytes, and a truncated stream is still reported.
  @Test func inputInPiecesInflatesTheSame() throws {
    let original = (0..<5000).map { UInt8(($0 * 7) % 251) }
    let compressed = Gzip.compress(original)
    for piece in [1, 3, 64, compressed.count] {
      #expect(
        try Gzip.decompress(compressed, source: "p", limit: 1 << 20, piece: piece) == original)
      #expect {
        _ = try Gzip.decompress(
          Array(compressed.dropLast(9)), source: "p", limit: 1 << 20, piece: piece)
      } throws: { "\($0)".hasPrefix("p: the gzip stream is truncated") }
    }
  }
}

/// A gzip IDX file that inflates far past the size its header declares (a bomb: a 2×2 byte
/// image followed by 50 MB of zeros) is refused after inflating little more than that.
@Suite struct GzipBombTests {
  @Test func inflationIsBoundedByTheHeader() throws {
    let header: [UInt8] = [0, 0, 0x08, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2]
    let bomb = Gzip.compress(header + [1, 2, 3, 4] + [UInt8](repeating: 0, count: 50_000_000))
    #expect(bomb.count < 100_000)
    #expect { _ = try IDXReader.read(bytes: bomb, source: "bomb.gz") } throws: {
      "\($0)".contains("bomb.gz: decompresses to more than 20 bytes")
    }
    // The same file without the tail reads as the one image it declares.
    let honest = try IDXReader.read(bytes: Gzip.compress(header + [1, 2, 3, 4]), source: "ok")
    #expect(honest.dimensions == [1, 2, 2])
    #expect(try Gzip.prefix(bomb, source: "b", count: 16) == header)
  }
}

@Suite struct CIFARBytesTests {
  static let images: [UInt8] = (0..<2 * 3072).map { UInt8($0 % 253) }

  @Test func bytesReadLikeTheFile() throws {
    let folder = try temporaryFolder()
    try CIFARDataset.write(path: "\(folder)/test_batch.bin", images: Self.images, labels: [3, 9])
    let fromFile = try CIFARDataset.load(directory: folder, split: "test", scale: 0.5)
    let fromBytes = try CIFARDataset.load(
      bytes: try contents("\(folder)/test_batch.bin"), source: "upload", scale: 0.5)
    expectSame(fromBytes, fromFile)
    #expect(fromBytes.labels == [3, 9])
  }

  @Test func hostileBytesAreRefusedNamingTheSource() throws {
    let path = try temporaryFolder() + "/test_batch.bin"
    try CIFARDataset.write(path: path, images: Self.images, labels: [3, 9])
    let bytes = try contents(path)
    let refused = expectNoTrap(bytes, source: "fuzz") { candidate throws(DataError) in
      _ = try CIFARDataset.load(bytes: candidate, source: "fuzz", scale: 1)
    }
    #expect(refused == bytes.count - 1)  // one whole record loads
    #expect { _ = try CIFARDataset.load(bytes: [], source: "e", scale: 1) } throws: {
      "\($0)".hasPrefix("e: is empty")
    }
    var badLabel = bytes
    badLabel[3073] = 10
    #expect { _ = try CIFARDataset.load(bytes: badLabel, source: "l", scale: 1) } throws: {
      "\($0)" == "l: has the label 10; CIFAR-10 labels are 0 to 9"
    }
  }

  @Test func aBadLabelNamesItsFile() throws {
    let folder = try temporaryFolder()
    try CIFARDataset.write(path: "\(folder)/test_batch.bin", images: Self.images, labels: [3, 12])
    #expect { _ = try CIFARDataset.load(directory: folder, split: "test", scale: 1) } throws: {
      "\($0)".contains("test_batch.bin: has the label 12")
    }
  }
}

@Suite struct CSVBytesTests {
  static let text = "a,b,\"y\",class\n1,2,3.5,0\n4,5,6.5,2\n\n"

  @Test func bytesReadLikeTheFile() throws {
    let path = try temporaryFolder() + "/d.csv"
    try Self.text.write(toFile: path, atomically: true, encoding: .utf8)
    let fromFile = try CSVDataset.load(
      path: path, features: [], targets: ["y"], label: "class", scale: 2)
    let fromBytes = try CSVDataset.load(
      bytes: Array(Self.text.utf8), source: "upload", features: [], targets: ["y"],
      label: "class", scale: 2)
    expectSame(fromBytes, fromFile)
  }

  @Test func malformedBytesAreRefusedNamingTheSource() throws {
    func load(_ text: [UInt8]) throws(DataError) {
      _ = try CSVDataset.load(
        bytes: text, source: "buffer", features: [], targets: ["y"], label: "class", scale: 1)
    }
    expectNoTrap(Array(Self.text.utf8), source: "buffer", load)
    let cases: [(String, String)] = [
      ("", "buffer: is empty"),
      ("a,y,class\n", "buffer: has a header but no rows"),
      ("a,y,class\n1,2\n", "buffer:2: has 2 fields"),
      ("a,y,class\n1,2,3\n1,2,-1\n", "buffer:3: the label -1"),
      ("a,y,class\n1,nan,0\n", "buffer:2: `nan` in column `y`"),
      ("a,b\n1,2\n", "buffer: has no column `y`"),
    ]
    for (text, message) in cases {
      #expect { try load(Array(text.utf8)) } throws: { "\($0)".hasPrefix(message) }
    }
    // Bytes that are not UTF-8 become U+FFFD, which is not a number.
    #expect { try load(Array("a,y,class\n1,".utf8) + [0xC3, 0x28] + Array(",0\n".utf8)) } throws: {
      "\($0)".hasPrefix("buffer:2:")
    }
  }
}

@Suite struct TextBytesTests {
  static let train = "1\tGreat movie, GREAT fun!\n0\tboring movie\n"

  @Test func bytesReadLikeTheFile() throws {
    let path = try temporaryFolder() + "/train.tsv"
    try Self.train.write(toFile: path, atomically: true, encoding: .utf8)
    let (fromFile, fileWords) = try TextDataset.load(
      path: path, vocabularySize: 4, length: 5, vocabulary: nil)
    let (fromBytes, words) = try TextDataset.load(
      bytes: Array(Self.train.utf8), source: "upload", vocabularySize: 4, length: 5,
      vocabulary: nil)
    expectSame(fromBytes, fromFile)
    #expect(words == fileWords)
  }

  @Test func malformedBytesAreRefusedNamingTheSource() throws {
    func load(_ text: [UInt8]) throws(DataError) {
      _ = try TextDataset.load(
        bytes: text, source: "buffer", vocabularySize: 8, length: 4, vocabulary: nil)
    }
    expectNoTrap(Array(Self.train.utf8), source: "buffer", load)
    #expect { try load([]) } throws: { "\($0)" == "buffer: has no lines" }
    // Blank lines count, so the error points at the line an editor shows.
    #expect { try load(Array("1\tok\n\n\nno tab\n".utf8)) } throws: {
      "\($0)".hasPrefix("buffer:4: expected `label<TAB>text`")
    }
    #expect { try load(Array("-3\tnegative\n".utf8)) } throws: { "\($0)".hasPrefix("buffer:1:") }
    // Bytes that are not UTF-8 are not letters: the words around them still count.
    let (data, words) = try TextDataset.load(
      bytes: Array("1\tgood ".utf8) + [0xFF, 0xFE] + Array(" film\n".utf8), source: "b",
      vocabularySize: 8, length: 3, vocabulary: nil)
    #expect(data.labels == [1])
    #expect(Set(words.ids.keys) == ["good", "film"])
  }
}

@Suite struct NPYBytesTests {
  @Test func bytesReadLikeTheFile() throws {
    let path = try temporaryFolder() + "/a.npy"
    let values: [Float] = [1, -2.5, 3, 0, 1e-3, 7]
    try NPY.write(path: path, shape: [2, 3], values: values)
    let fromFile = try NPY.read(path: path)
    let fromBytes = try NPY.read(bytes: try contents(path), source: "upload")
    #expect(fromBytes.dimensions == fromFile.dimensions)
    #expect(fromBytes.values == values)
  }

  /// A version 1.0 file with the given header text and data bytes.
  func npy(_ header: String, data: [UInt8]) -> [UInt8] {
    let length = header.utf8.count
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
      + Array(header.utf8) + data
  }

  @Test func hostileBytesAreRefusedNamingTheSource() throws {
    let path = try temporaryFolder() + "/h.npy"
    try NPY.write(path: path, shape: [3, 2], values: [1, 2, 3, 4, 5, 6])
    let bytes = try contents(path)
    let refused = expectNoTrap(bytes, source: "fuzz") { candidate throws(DataError) in
      _ = try NPY.read(bytes: candidate, source: "fuzz")
    }
    #expect(refused == bytes.count)
    let cases: [([UInt8], String)] = [
      (Array(bytes.prefix(9)), "bad magic"),
      (Array(bytes.prefix(8)) + [0xFF, 0xFF], "the header is truncated"),
      ([0x93] + Array("NUMPY".utf8) + [2, 0, 0xFF, 0xFF, 0xFF, 0xFF], "the header is truncated"),
      (npy("{'descr': '<f4', 'shape': (2, x), }", data: []), "is not a tuple of integers"),
      (npy("{'descr': '<f4', 'shape': (-1,), }", data: []), "larger than the file"),
      (
        npy("{'descr': '<f8', 'shape': (4294967296, 4294967296), }", data: [1, 2]),
        "larger than the file"
      ),
      (npy("{'descr': '<c8', 'shape': (1,), }", data: []), "unsupported dtype <c8"),
      (npy("{'shape': (1,), }", data: []), "no descr or shape"),
      (npy("{'descr': '<i4', 'shape': (2,), }", data: [1, 0, 0, 0]), "holds 4 data bytes"),
    ]
    for (candidate, message) in cases {
      #expect { _ = try NPY.read(bytes: candidate, source: "npy") } throws: {
        "\($0)".hasPrefix("npy: ") && "\($0)".contains(message)
      }
    }
  }
}

@Suite struct IntegerInputTests {
  /// Values read from a file of floats and fed to an integer input: those with no Int32 (which
  /// trapped the conversion) become -1, an id outside every table.
  @Test func valuesWithoutAnInt32BecomeMinusOne() {
    let values: [Float] = [1, .nan, 3e9, -5, 2.7, -3e9, .infinity, -2_147_483_648]
    let data = Dataset(features: values, sampleShape: [values.count], labels: [0])
    var ids = [Int32](repeating: 7, count: values.count)
    ids.withUnsafeMutableBufferPointer { data.gatherInts([0], into: $0.baseAddress!) }
    #expect(ids == [1, -1, -1, -5, 2, -1, -1, Int32.min])
  }
}
