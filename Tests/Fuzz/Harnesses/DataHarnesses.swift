import DLG

extension FuzzHarness {
  /// MNIST-layout IDX images and labels (each plain or gzip-compressed). The input holds both
  /// files: a 4-byte little-endian length, that many bytes of images, then the labels.
  public static let idx = FuzzHarness(
    name: "idx", summary: "IDX reader, gzip with the header's bound, images against labels"
  ) { bytes in
    let (images, labels) = FuzzInput.split(bytes)
    if let array = try? IDXReader.read(bytes: images, source: "images.idx") {
      require(array.dimensions.reduce(1, *) == array.values.count, "the shape is not the values")
    }
    guard
      let dataset = try? IDXDataset.load(
        images: images, imagesSource: "images.idx", labels: labels, labelsSource: "labels.idx",
        scale: 1 / 255)
    else { return false }
    requireWhole(dataset)
    return true
  }

  /// CIFAR-10 binary records.
  public static let cifar = FuzzHarness(name: "cifar", summary: "CIFAR-10 binary records") {
    bytes in
    guard let dataset = try? CIFARDataset.load(bytes: bytes, source: "fuzz.bin", scale: 1 / 255)
    else { return false }
    requireWhole(dataset)
    return true
  }

  /// A CSV file with a `label` column and the rest as features, then with `y` as a regression
  /// target.
  public static let csv = FuzzHarness(name: "csv", summary: "CSV: header, features, label, targets")
  { bytes in
    let classified = try? CSVDataset.load(
      bytes: bytes, source: "fuzz.csv", features: [], targets: [], label: "label", scale: 1)
    let regressed = try? CSVDataset.load(
      bytes: bytes, source: "fuzz.csv", features: [], targets: ["y"], label: nil, scale: 1)
    if let classified { requireWhole(classified) }
    if let regressed {
      requireWhole(regressed)
      require(regressed.targets.count == regressed.count * regressed.targetWidth, "targets")
    }
    return classified != nil || regressed != nil
  }

  /// `label<TAB>text` lines, the vocabulary built from them, and its JSON round trip (how a
  /// weights file keeps it).
  public static let text = FuzzHarness(
    name: "text", summary: "labelled text lines, vocabulary, vocabulary JSON"
  ) { bytes in
    guard
      let (dataset, vocabulary) = try? TextDataset.load(
        bytes: bytes, source: "fuzz.txt", vocabularySize: 64, length: 8, vocabulary: nil)
    else { return false }
    require(dataset.count > 0, "a text dataset without samples was accepted")
    require(Vocabulary(json: vocabulary.json) == vocabulary, "the vocabulary JSON round trip")
    return true
  }

  /// A character corpus (Unicode scalars, terminal codes stripped), its vocabulary and the
  /// next-character labels.
  public static let chars = FuzzHarness(
    name: "chars", summary: "character corpus, cleaning, vocabulary, next-character labels"
  ) { bytes in
    guard
      let (dataset, vocabulary) = try? CharacterDataset.load(
        bytes: bytes, source: "fuzz.txt", length: 8, vocabularySize: 32, vocabulary: nil)
    else { return false }
    require(dataset.labels.count == dataset.count * 8, "each piece has 8 labels")
    require(dataset.labels.allSatisfy { $0 >= 0 && Int($0) < vocabulary.size }, "label ids")
    require(Vocabulary(json: vocabulary.json) == vocabulary, "the vocabulary JSON round trip")
    return true
  }

  /// A NumPy `.npy` array, as `dlg predict --input` reads it.
  public static let npy = FuzzHarness(name: "npy", summary: "NumPy .npy reader") { bytes in
    guard let array = try? NPY.read(bytes: bytes, source: "fuzz.npy") else { return false }
    require(array.dimensions.reduce(1, *) == array.values.count, "the shape is not the values")
    return true
  }
}

extension FuzzHarness {
  /// PNG and JPEG bytes, as `images(...)` and `dlg predict` decode them (libpng and
  /// libjpeg-turbo behind the C shim), then resized.
  public static let image = FuzzHarness(name: "image", summary: "PNG/JPEG decoding") { bytes in
    var decoded = false
    for channels in [1, 3] {
      guard let image = try? ImageFile.decode(bytes, channels: channels, source: "fuzz") else {
        continue
      }
      require(
        image.pixels.count == image.width * image.height * channels, "pixels are not the size")
      require(image.resized(width: 5, height: 3).pixels.count == 15 * channels, "resize size")
      decoded = true
    }
    return decoded
  }

  /// A NumPy `.npz` archive, as `npy("data.npz", ...)` reads it: every entry found through
  /// the zip directory, inflated within its declared size, and read as an array.
  public static let npz = FuzzHarness(name: "npz", summary: "NumPy .npz (zip) reader") { bytes in
    guard let entries = try? NPZ.entries(bytes, source: "fuzz.npz") else { return false }
    for entry in entries.values {
      guard let npy = try? entry.bytes(in: bytes, source: "fuzz.npz") else { continue }
      require(npy.count == entry.size || !entry.deflated, "an entry inflated past its size")
      if let array = try? NPY.read(bytes: npy, source: "fuzz.npy") {
        require(array.dimensions.reduce(1, *) == array.values.count, "the shape is not the values")
      }
    }
    return true
  }
}

extension FuzzHarness {
  /// A loaded dataset holds every sample whole: `count` samples of `sampleShape` values.
  static func requireWhole(_ dataset: Dataset) {
    var values = 0
    dataset.forEachValue { _ in values += 1 }
    var expected = dataset.count
    for side in dataset.sampleShape {
      let (product, overflow) = expected.multipliedReportingOverflow(by: side)
      require(!overflow, "a dataset of \(dataset.count) samples of \(dataset.sampleShape)")
      expected = product
    }
    require(
      values == expected,
      "\(values) values for \(dataset.count) samples of shape \(dataset.sampleShape)")
  }
}
