import DLGGraph
import DLGLang

/// Matches written arguments to parameters: positional in order, labelled by name, defaults for
/// the rest, each value checked against the parameter's kind. Layers, optimizers and
/// learning-rate schedules all bind their arguments here, so each reports a wrong one alike.
extension ParameterKind {
  var isShape: Bool {
    switch self {
    case .shape, .batchedShape: true
    default: false
    }
  }
}

enum ArgumentBinder {
  /// Largest extent a single dimension may have; anything bigger is a typo, not a model.
  static let maximumExtent = 1 << 24

  static func bind(
    _ layer: LayerDecl, to spec: LayerSpec, environment: [String: Constant] = [:]
  ) -> (BoundArguments, [Diagnostic]) {
    bind(
      layer.arguments, at: layer.range,
      to: CallSignature(name: spec.name, parameters: spec.parameters),
      environment: environment)
  }

  /// Binds the arguments of a call written at `range` (a layer, `Adam(lr: 0.01)`, ...).
  static func bind(
    _ written: [Argument], at range: SourceRange, to spec: CallSignature,
    environment: [String: Constant] = [:]
  ) -> (BoundArguments, [Diagnostic]) {
    var values: [String: ArgumentValue] = [:]
    var diagnostics: [Diagnostic] = []
    let positional = spec.parameters.filter(\.positional)
    var nextPositional = 0

    // Shape-like layers (`Input[28, 28, 1]`, `f32[N, 28, 28, 1]`) take every positional
    // argument as one shape.
    if spec.parameters.count == 1, spec.parameters[0].kind.isShape {
      var dims: [Int] = []
      var arguments = written[...]
      if case .batchedShape = spec.parameters[0].kind {
        guard case .identifier("N")? = arguments.first?.value.kind else {
          diagnostics.append(
            Diagnostic(
              code: "E207", "a typed input's first dimension is the batch, written `N`",
              at: arguments.first?.range ?? range,
              help: "for example \(spec.name)[N, 28, 28, 1]"))
          return (BoundArguments(values: [:]), diagnostics)
        }
        arguments = arguments.dropFirst()
      }
      for argument in arguments {
        do {
          dims.append(try extent(argument.value, environment))
        } catch {
          diagnostics.append(error)
        }
      }
      if dims.isEmpty, diagnostics.isEmpty {
        diagnostics.append(
          Diagnostic(
            code: "E206", "\(spec.name) needs a shape", at: range,
            help: "write the per-sample shape, for example \(spec.name)[28, 28, 1]"))
      }
      values[spec.parameters[0].name] = .shape(dims)
      return (BoundArguments(values: values), diagnostics)
    }

    // Parameters written with a value that did not convert.
    var given = Set<String>()
    for argument in written {
      let parameter: ParameterSpec
      if let label = argument.label {
        guard let match = spec.parameters.first(where: { $0.name == label.name }) else {
          let names = spec.parameters.map(\.name)
          let suggestion = closestMatch(to: label.name, among: names)
          diagnostics.append(
            Diagnostic(
              code: "E205", "\(spec.name) has no parameter `\(label.name)`", at: label.range,
              help: suggestion.map { "did you mean `\($0)`?" }
                ?? "its parameters are: \(names.joined(separator: ", "))",
              replacement: suggestion))
          continue
        }
        parameter = match
      } else {
        guard nextPositional < positional.count else {
          diagnostics.append(
            Diagnostic(
              code: "E208", "too many arguments for \(spec.name)", at: argument.range,
              help: "\(spec.name) takes " + signature(spec)))
          continue
        }
        parameter = positional[nextPositional]
        nextPositional += 1
      }
      if values[parameter.name] != nil {
        diagnostics.append(
          Diagnostic(
            code: "E209", "`\(parameter.name)` is given twice", at: argument.range,
            help: "remove one of them"))
        continue
      }
      do {
        values[parameter.name] = try convert(
          argument.value, to: parameter, layer: spec.name, environment)
      } catch {
        // Its own error says what is wrong; "needs a value" would only repeat it, wrongly.
        given.insert(parameter.name)
        diagnostics.append(error)
      }
    }
    for parameter in spec.parameters where values[parameter.name] == nil {
      if let value = parameter.defaultValue, !given.contains(parameter.name) {
        values[parameter.name] = value
      } else if !parameter.optional, !given.contains(parameter.name) {
        diagnostics.append(
          Diagnostic(
            code: "E206", "\(spec.name) needs a value for `\(parameter.name)`", at: range,
            help: "\(spec.name) takes " + signature(spec)))
      }
    }
    return (BoundArguments(values: values), diagnostics)
  }

  /// `[filters, kernel, activation = linear, stride: = 1x1, ...]`, for help lines.
  static func signature(_ spec: CallSignature) -> String {
    let parts = spec.parameters.map { parameter -> String in
      let name = parameter.positional ? parameter.name : "\(parameter.name):"
      guard let value = parameter.defaultValue else { return name }
      return "\(name) = \(value)"
    }
    let joined = parts.joined(separator: ", ")
    return spec.parenthesized ? "(" + joined + ")" : "[" + joined + "]"
  }

  private static func convert(
    _ expression: Expression, to parameter: ParameterSpec, layer: String,
    _ environment: [String: Constant]
  ) throws(Diagnostic) -> ArgumentValue {
    let value = try ConstantEvaluator.evaluate(expression, environment)
    let mismatch = { (expected: String) in
      Diagnostic(
        code: "E207",
        "`\(parameter.name)` of \(layer) must be \(expected), got \(value.kindDescription)",
        at: expression.range)
    }
    switch parameter.kind {
    case .integer:
      guard case .integer = value else { throw mismatch("an integer") }
      return .integer(try extent(expression, environment))
    case .float:
      guard let number = value.number else { throw mismatch("a number") }
      return .float(number)
    case .nonNegativeNumber:
      guard let number = value.number, abs(number) <= Double(Float.greatestFiniteMagnitude)
      else {
        throw mismatch("a non-negative number")
      }
      guard number >= 0 else {
        throw Diagnostic(
          code: "E207", "`\(parameter.name)` of \(layer) must not be negative, got \(number)",
          at: expression.range)
      }
      return .float(number)
    case .axis:
      guard case .integer(let n) = value else { throw mismatch("an axis number") }
      guard (-8...8).contains(n) else {
        throw Diagnostic(
          code: "E210", "\(n) is not an axis of a tensor (1 ... 8, or −1 ... −8 from the end)",
          at: expression.range)
      }
      return .integer(n)
    case .count:
      guard let number = value.number, number.rounded() == number else {
        throw mismatch("a whole number")
      }
      guard number >= 0, number <= Double(1 << 31) else {
        throw Diagnostic(
          code: "E210", "\(number) is out of range for `\(parameter.name)` (0 ... 2147483648)",
          at: expression.range)
      }
      return .integer(Int(number))
    case .dimensions(let rank):
      switch value {
      case .integer:
        return .dimensions(Array(repeating: try extent(expression, environment), count: rank))
      case .dimensions(let dims) where dims.count == rank:
        for dim in dims where dim < 1 || dim > maximumExtent {
          throw Diagnostic(
            code: "E210", "dimension \(dim) is out of range (1...\(maximumExtent))",
            at: expression.range)
        }
        return .dimensions(dims)
      case .dimensions(let dims):
        throw Diagnostic(
          code: "E207",
          "`\(parameter.name)` of \(layer) needs \(rank) dimensions, got \(dims.count)",
          at: expression.range,
          help: "write it as " + Array(repeating: "3", count: rank).joined(separator: "x"))
      default: throw mismatch("dimensions such as 3x3")
      }
    case .choice, .activation:
      let names = parameter.kind.choices
      guard case .name(let name) = value else {
        throw mismatch("one of " + names.joined(separator: ", "))
      }
      guard names.contains(name) else {
        let suggestion = closestMatch(to: name, among: names)
        throw Diagnostic(
          code: "E207", "`\(name)` is not a valid \(parameter.name) for \(layer)",
          at: expression.range,
          help: suggestion.map { "did you mean `\($0)`?" }
            ?? "use one of: " + names.joined(separator: ", "), replacement: suggestion)
      }
      return .name(name)
    case .shape, .batchedShape:
      guard case .dimensions(let dims) = value else { throw mismatch("a shape") }
      return .shape(dims)
    case .string:
      guard case .string(let s) = value else { throw mismatch("a string") }
      return .string(s)
    case .names:
      guard let names = TrainSectionLowering.columnNames(value) else {
        throw mismatch("a name, a string, or a list of them")
      }
      return .names(names)
    case .layerReference:
      guard case .name(let name) = value else { throw mismatch("the id of another layer") }
      return .name(name)
    }
  }

  /// A positive integer extent (a unit count, a dimension), range-checked so an absurd shape
  /// is refused here instead of allocating gigabytes later.
  private static func extent(_ expression: Expression, _ environment: [String: Constant])
    throws(Diagnostic) -> Int
  {
    guard case .integer(let n) = try ConstantEvaluator.evaluate(expression, environment) else {
      throw Diagnostic(
        code: "E207", "expected a positive integer here", at: expression.range)
    }
    guard n >= 1, n <= maximumExtent else {
      throw Diagnostic(
        code: "E210", "\(n) is out of range: sizes must be between 1 and \(maximumExtent)",
        at: expression.range)
    }
    return n
  }
}
