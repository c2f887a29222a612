import DLGData
import Foundation
import Testing

/// PNG and JPEG decoding (libpng, libjpeg-turbo), resizing, and `images(...)` folders.
@Suite struct ImageFolderTests {
  static func gradient(width: Int, height: Int, channels: Int) -> Image {
    var pixels: [UInt8] = []
    for y in 0..<height {
      for x in 0..<width {
        for c in 0..<channels { pixels.append(UInt8(clamping: x * 12 + y * 8 + c * 20)) }
      }
    }
    return Image(width: width, height: height, channels: channels, pixels: pixels)
  }

  @Test(arguments: [1, 3])
  func pngRoundTripsExactlyAndJPEGClosely(channels: Int) throws {
    let image = Self.gradient(width: 12, height: 9, channels: channels)
    let png = try #require(ImageFile.encode(image))
    #expect(try ImageFile.decode(png, channels: channels, source: "a.png") == image)
    let jpeg = try #require(ImageFile.encode(image, jpegQuality: 95))
    let decoded = try ImageFile.decode(jpeg, channels: channels, source: "a.jpg")
    #expect(decoded.width == 12 && decoded.height == 9 && decoded.channels == channels)
    let error = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)
    #expect(Double(error) / Double(image.pixels.count) < 6, "JPEG drifted too far")
  }

  @Test func colourIsConvertedToTheChannelsAsked() throws {
    let red = Image(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 255, 0, 0])
    let gray = try ImageFile.decode(
      try #require(ImageFile.encode(red)), channels: 1, source: "red.png")
    #expect(gray.channels == 1 && gray.pixels == [76, 76])  // 0.299 · 255
    let back = try ImageFile.decode(
      try #require(ImageFile.encode(gray)), channels: 3, source: "gray.png")
    #expect(back.pixels[0] == back.pixels[1] && back.pixels[1] == back.pixels[2])
  }

  @Test func corruptAndForeignFilesAreRefusedWithTheCodecsMessage() throws {
    let png = try #require(ImageFile.encode(Self.gradient(width: 20, height: 20, channels: 3)))
    let jpeg = try #require(
      ImageFile.encode(Self.gradient(width: 20, height: 20, channels: 3), jpegQuality: 90))
    for (bytes, name) in [
      (Array(png.prefix(png.count / 2)), "cut.png"),
      (Array(jpeg.prefix(jpeg.count / 2)), "cut.jpg"),
      (Array("hello".utf8), "text.png"), ([], "empty.jpg"),
    ] {
      #expect { try ImageFile.decode(bytes, channels: 3, source: name) } throws: {
        "\($0)".hasPrefix("\(name): cannot decode it as an image")
      }
    }
  }

  @Test func resizingAveragesWhenShrinkingAndKeepsFlatImagesFlat() {
    let flat = Image(width: 7, height: 5, channels: 1, pixels: [UInt8](repeating: 90, count: 35))
    #expect(flat.resized(width: 3, height: 11).pixels.allSatisfy { $0 == 90 })
    // Columns 0, 255, 0, 255 shrunk to two: each output covers a dark and a light column.
    let stripes = Image(width: 4, height: 1, channels: 1, pixels: [0, 255, 0, 255])
    let shrunk = stripes.resized(width: 2, height: 1)
    #expect(shrunk.pixels.allSatisfy { (100...155).contains($0) }, "\(shrunk.pixels)")
    let grown = Image(width: 2, height: 1, channels: 1, pixels: [0, 200]).resized(
      width: 4, height: 1)
    #expect(
      grown.pixels == grown.pixels.sorted() && grown.pixels.first! < 60 && grown.pixels.last! > 140)
  }

  static func folder(_ layout: [String: [(String, [UInt8])]]) throws -> String {
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("dlg-images-\(UUID().uuidString)").path
    for (folder, files) in layout {
      try FileManager.default.createDirectory(
        atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
      for (name, bytes) in files {
        try Data(bytes).write(to: URL(fileURLWithPath: "\(root)/\(folder)/\(name)"))
      }
    }
    return root
  }

  @Test func foldersAreClassesSortedByNameAndBadFilesAreNamed() throws {
    let dark = try #require(
      ImageFile.encode(
        Image(width: 8, height: 6, channels: 3, pixels: .init(repeating: 10, count: 144))))
    let light = try #require(
      ImageFile.encode(
        Image(width: 5, height: 5, channels: 1, pixels: .init(repeating: 240, count: 25)),
        jpegQuality: 90))
    let root = try Self.folder([
      "zebra": [("a.png", dark), ("b.jpg", light), (".DS_Store", [0, 1, 2])],
      "apple": [("x.jpeg", light)], "apple/more": [("y.png", dark)],
    ])
    defer { try? FileManager.default.removeItem(atPath: root) }
    let loaded = try ImageFolderDataset.load(
      folder: root, height: 4, width: 4, channels: 3, scale: 1.0 / 255, skipBad: false)
    #expect(loaded.dataset.classNames == ["apple", "zebra"])
    #expect(loaded.dataset.labels == [0, 0, 1, 1] && loaded.dataset.sampleShape == [4, 4, 3])
    // apple/more/y.png (dark) sorts before apple/x.jpeg (light).
    #expect(abs(loaded.dataset.features[0] - 10.0 / 255) < 0.01)
    #expect(abs(loaded.dataset.features[4 * 4 * 3] - 240.0 / 255) < 0.03)
    // A broken file is an error naming it, unless skip_bad leaves it out and says so.
    try Data([0x89, 0x50, 0x4E, 0x47, 1, 2]).write(to: URL(fileURLWithPath: "\(root)/zebra/c.png"))
    #expect {
      try ImageFolderDataset.load(
        folder: root, height: 4, width: 4, channels: 3, scale: 1, skipBad: false)
    } throws: { "\($0)".contains("zebra/c.png") && "\($0)".contains("skip_bad: true") }
    let skipping = try ImageFolderDataset.load(
      folder: root, height: 4, width: 4, channels: 1, scale: 1, skipBad: true)
    #expect(skipping.dataset.count == 4 && skipping.skipped.count == 1)
    #expect(skipping.skipped[0].contains("zebra/c.png"))
    // A test folder keeps the training classes' indices, and refuses a class they lack.
    let test = try Self.folder(["zebra": [("t.png", dark)]])
    defer { try? FileManager.default.removeItem(atPath: test) }
    let mapped = try ImageFolderDataset.load(
      folder: test, height: 4, width: 4, channels: 3, scale: 1, skipBad: false,
      classes: ["apple", "zebra"])
    #expect(mapped.dataset.labels == [1])
    #expect {
      try ImageFolderDataset.load(
        folder: test, height: 4, width: 4, channels: 3, scale: 1, skipBad: false,
        classes: ["apple"])
    } throws: { "\($0)".contains("a class the training data does not have") }
  }
}
