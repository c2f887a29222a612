// swift-tools-version: 6.0
// Programs that use dlg as a library (`import DLG`), built and run by CI against this checkout.
import PackageDescription

let package = Package(
  name: "dlg-examples",
  platforms: [.macOS(.v14)],
  dependencies: [.package(name: "dlg", path: "..")],
  targets: [
    // Trains a small CNN from Swift, with a callback per epoch, then predicts on arrays.
    .executableTarget(
      name: "classify", dependencies: [.product(name: "DLG", package: "dlg")],
      path: "Sources/classify")
  ]
)
