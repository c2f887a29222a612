import CVectorKernels
import Foundation

/// The vectors the C kernels use (`vector_lanes.h`): 16 floats (AVX-512), 8 (AVX2) or 1 (their
/// portable loops), picked by CPUID at run time.
public enum VectorLanes {
  /// What the kernels use now: what the CPU has, within a test's cap.
  public static var current: Int { Int(dlg_vector_lanes()) }

  /// What the CPU has. Choices that must hold while a plan lives (which kernel a layer gets,
  /// and so its scratch) depend on this only.
  public static var available: Int { Int(dlg_vector_lanes_available()) }

  /// Runs `body` with the kernels capped at `lanes`-float vectors, so that tests take every
  /// path this CPU has. Calls wait for each other (the cap is global); kernels running
  /// beside them meanwhile take the capped path, which gives the same results to rounding
  /// only, so tests call it inside `withThreadBudget`, whose lock the tests that compare bits
  /// hold.
  static func withCap<T>(_ lanes: Int, _ body: () throws -> T) rethrows -> T {
    capLock.lock()
    defer { capLock.unlock() }
    dlg_cap_vector_lanes(Int32(lanes))
    defer { dlg_cap_vector_lanes(16) }
    return try body()
  }

  private static let capLock = NSLock()

  /// Every vector width this CPU has, widest first: what tests run each kernel at.
  static var widths: [Int] { [16, 8, 1].filter { $0 <= available } }
}
