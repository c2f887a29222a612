/// SiLU, also called Swish: `x · σ(x)` (Elfwing et al., 2018; Ramachandran et al., 2017), the
/// activation of many recent networks. It is a composition of the elementwise vocabulary, not
/// an op of its own: autodiff differentiates the sigmoid and the product, and the fusion pass
/// runs the forward pass as one loop and the backward pass as another, so it needs no kernel.
@used @section("dlg_registry")
private let registration: Registration = {
  ActivationRegistry.register(
    ActivationFunction(
      name: "silu", aliases: ["swish"], layerName: "SiLU", layerAliases: ["Swish"],
      summary: "x · σ(x) (also called Swish)"
    ) { x, builder throws(GraphError) in
      let gate = try builder.add(SmoothActivation(.sigmoid), [x], "SiLU/Sigmoid")
      return try builder.add(Multiply(), [x, gate], "SiLU")
    })
}
