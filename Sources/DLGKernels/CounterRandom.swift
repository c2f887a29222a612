/// Random numbers as a function of a counter: the SplitMix64 finalizer of `seed + index · φ`.
/// Kernels that draw per element (dropout masks, noise) hash the element's index rather than
/// advance a generator, so a value does not depend on how the work was split across threads.
public enum CounterRandom {
  /// 64 well-mixed bits for `index` under `seed`.
  @inline(__always)
  public static func bits(_ seed: UInt64, _ index: UInt64) -> UInt64 {
    mix(seed &+ index &* 0x9E37_79B9_7F4A_7C15)
  }

  /// The SplitMix64 finalizer (Steele, Lea and Flood, 2014).
  @inline(__always)
  public static func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1) from the top 24 bits: exactly representable as a Float.
  @inline(__always)
  public static func unit(_ bits: UInt64) -> Float { Float(bits >> 40) / Float(1 << 24) }
}
