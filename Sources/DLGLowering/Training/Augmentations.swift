import DLGGraph
import DLGLang

/// One random change made to every training sample as its batch is gathered (`augment [flip,
/// crop(padding: 4)]`). Test and validation samples are never changed. Each sample's draws
/// come from the run's seed, the epoch and the sample's index, so a run (and a resumed run)
/// sees the same augmented samples whatever the thread count.
public struct Augmentation: Sendable, Equatable {
  public enum Kind: Sendable, Equatable, CustomStringConvertible {
    /// Mirrors the image left to right with probability `probability`.
    case flip(probability: Double)
    /// Pads `padding` zero pixels on every side and cuts a random window of the original
    /// size: the image moves by up to `padding` pixels each way, zeros filling in.
    case crop(padding: Int)
    /// Moves the image by up to `pixels` each way, filling in by reflecting it at its edges.
    case translate(pixels: Int)
    /// Multiplies every value by a factor drawn from [1 − amount, 1 + amount].
    case brightness(amount: Double)
    /// Moves every value away from or toward the sample's mean by a factor drawn from
    /// [1 − amount, 1 + amount].
    case contrast(amount: Double)
    /// Adds Gaussian noise of this standard deviation to every value.
    case noise(deviation: Double)

    /// As the file writes it: `flip(p: 0.5)`, `crop(padding: 4)`.
    public var description: String {
      switch self {
      case .flip(let p): "flip(p: \(p))"
      case .crop(let padding): "crop(padding: \(padding))"
      case .translate(let pixels): "translate(pixels: \(pixels))"
      case .brightness(let amount): "brightness(\(amount))"
      case .contrast(let amount): "contrast(\(amount))"
      case .noise(let deviation): "noise(\(deviation))"
      }
    }

    /// True for the changes that move pixels: they need an image input, f32[N, H, W, C].
    public var isSpatial: Bool {
      switch self {
      case .flip, .crop, .translate: true
      case .brightness, .contrast, .noise: false
      }
    }
  }

  public var kind: Kind
  /// Where the file asks for it.
  public var location: SourceRange

  public init(_ kind: Kind, at location: SourceRange) {
    self.kind = kind
    self.location = location
  }
}

/// The augmentations a train section may name.
public enum Augmentations {
  public static let table = TrainingCallTable<Augmentation>(kind: "augmentation")

  static let flip = TrainingCall<Augmentation>(
    "flip", parameters: [ParameterSpec("p", .nonNegativeNumber, default: .float(0.5))],
    summary: "mirror left to right with probability `p` (0.5)"
  ) { arguments, range in Augmentation(.flip(probability: arguments.float("p")), at: range) }

  static let crop = TrainingCall<Augmentation>(
    "crop", parameters: [ParameterSpec("padding", .count, positional: false)],
    summary: "pad with zeros and cut a random window of the original size"
  ) { arguments, range in Augmentation(.crop(padding: arguments.integer("padding")), at: range) }

  static let translate = TrainingCall<Augmentation>(
    "translate", parameters: [ParameterSpec("pixels", .count, positional: false)],
    summary: "move by up to `pixels` each way, reflecting at the edges"
  ) { arguments, range in
    Augmentation(.translate(pixels: arguments.integer("pixels")), at: range)
  }

  static let brightness = TrainingCall<Augmentation>(
    "brightness", parameters: [ParameterSpec("amount", .nonNegativeNumber)],
    summary: "multiply by a random factor in [1 − amount, 1 + amount]"
  ) { arguments, range in
    Augmentation(.brightness(amount: arguments.float("amount")), at: range)
  }

  static let contrast = TrainingCall<Augmentation>(
    "contrast", parameters: [ParameterSpec("amount", .nonNegativeNumber)],
    summary: "scale the distance from the sample's mean by a factor in [1 − amount, 1 + amount]"
  ) { arguments, range in
    Augmentation(.contrast(amount: arguments.float("amount")), at: range)
  }

  static let noise = TrainingCall<Augmentation>(
    "noise", parameters: [ParameterSpec("deviation", .nonNegativeNumber)],
    summary: "add Gaussian noise of this standard deviation"
  ) { arguments, range in
    Augmentation(.noise(deviation: arguments.float("deviation")), at: range)
  }
}

@used @section("dlg_registry")
private let registration: Registration = {
  Augmentations.table.register(
    Augmentations.flip, Augmentations.crop, Augmentations.translate, Augmentations.brightness,
    Augmentations.contrast, Augmentations.noise)
}
