import DLGData
import DLGGraph
import DLGLowering
import DLGPasses
import DLGRuntime

/// A model's forward graph cut down to one output and optimized, with its persistent values
/// allocated in a store: what every inference path (`Predictor`, `TextGenerator`) runs.
struct ForwardGraph {
  let graph: Graph
  /// The output in the optimized graph.
  let output: ValueID
  /// True when the network ends in a softmax already: its outputs are probabilities.
  let outputsProbabilities: Bool

  init(
    model: Model, output: ValueID, store: ParameterStore,
    optimization: OptimizationLevel = .standard
  ) {
    outputsProbabilities =
      model.graph[output].producer.map { model.graph.nodes[$0].op is Softmax } ?? false
    let (optimized, _) = GraphOptimizer.optimize(
      DeadCodeElimination.run(model.graph, keeping: [output]), fetches: [output],
      level: optimization,
      evaluator: KernelConstantEvaluator())
    graph = optimized.graph
    self.output = optimized.resolve(output)
    var generator = SeededGenerator(seed: 0)
    store.allocate(for: graph, using: &generator)
  }
}
