import DLG
import DLGTestSupport
import Foundation
import Testing

/// Every model in graphs/ gives the same loss and the same updated weights with and without
/// the optimizer passes (within 1e-5 relative), on the same inputs and initial weights.
@Suite struct OptimizedEquivalenceTests {
  static let graphsFolder = ExampleModels.folder

  @Test(arguments: ExampleModels.files)
  func optimizedMatchesUnoptimized(file: String) throws {
    let path = Self.graphsFolder.appendingPathComponent(file).path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let loaded = ModuleLoader(libraryPaths: ModuleLoader.defaultLibraryPaths(for: path))
      .load(SourceFile(path: path, text: text))
    #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
    let model = try #require(ModelLowering.lower(loaded.file).model)
    guard model.training != nil, ModelLowering.nonExecutableLayers(model).isEmpty,
      let inputValue = model.input, let lossValue = model.loss
    else { return }
    var results: [(loss: Float, weights: [String: [Float]])] = []
    for level in [OptimizationLevel.none, .standard] {
      let trainer = try Trainer(model: model, optimization: level)
      let plan = trainer.trainingPlan(batchSize: 4)
      let input = try #require(plan.buffer(inputValue))
      for step in 1...2 {
        // Inputs are fed before every step: the arena reuses their memory once read.
        var generator = SeededGenerator(seed: UInt64(step))
        for i in 0..<input.count { input.floats[i] = Float.random(in: 0..<1, using: &generator) }
        if let labelValue = model.labels, let labels = plan.buffer(labelValue) {
          for i in 0..<labels.count { labels.ints[i] = Int32((i + step) % 3) }
        }
        if let targetValue = model.targets, let targets = plan.buffer(targetValue) {
          for i in 0..<targets.count { targets.floats[i] = Float(i % 5) / 5 }
        }
        plan.run(RuntimeContext(step: step, training: true))
      }
      let loss = try #require(plan.buffer(lossValue)).floats.pointee
      var weights: [String: [Float]] = [:]
      for parameter in model.graph.parameters {
        let buffer = try #require(trainer.store.buffer(parameter))
        weights[model.graph[parameter].name] = Array(
          UnsafeBufferPointer(start: buffer.floats, count: buffer.count))
      }
      results.append((loss, weights))
    }
    // The planned arena of the optimized step is within 10% of the lower bound.
    let plan = try Trainer(model: model).trainingPlan(batchSize: 32).plan
    #expect(Double(plan.arenaBytes) <= Double(plan.lowerBoundBytes) * 1.1, "\(file): \(plan)")
    #expect(abs(results[0].loss - results[1].loss) <= 1e-5 * max(1, abs(results[0].loss)))
    for (name, reference) in results[0].weights {
      let optimized = try #require(results[1].weights[name])
      let worst = zip(reference, optimized).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
      #expect(worst <= 1e-5, "\(file): \(name) differs by \(worst)")
    }
  }
}
