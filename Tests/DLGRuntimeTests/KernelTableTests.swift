import DLGGraph
import DLGRuntime
import Testing

/// The runtime's kernel table covers the registry.
@Suite struct KernelTableTests {
  @Test func everyRegisteredOpHasACPUKernel() {
    for type in OpRegistry.all {
      #expect(KernelTable.canRun(type), "no CPU kernel for \(type.opType)")
    }
  }
}
