import DLGGraph
import DLGLang

/// A constant a parameter expression evaluates to.
enum Constant {
  case integer(Int)
  case float(Double)
  case string(String)
  case name(String)
  case dimensions([Int])
  case list([Constant])
  case call(name: String, arguments: [(label: String?, value: Constant, range: SourceRange)])
}

/// Evaluates constant expressions (`1/255`, `2*16`, `-1`) with overflow checks.
enum ConstantEvaluator {
  /// Evaluates `expression`; names bound in `environment` (a block's parameters) stand for
  /// their values.
  static func evaluate(_ expression: Expression, _ environment: [String: Constant] = [:])
    throws(Diagnostic) -> Constant
  {
    try evaluate(expression, environment, depth: 0)
  }

  /// How deep an expression may nest (operators, parentheses, lists, calls): far beyond any
  /// model's, and shallow enough that evaluating it never exhausts the stack.
  static let maximumDepth = 200

  private static func evaluate(
    _ expression: Expression, _ environment: [String: Constant], depth: Int
  ) throws(Diagnostic) -> Constant {
    guard depth < maximumDepth else {
      throw Diagnostic(
        code: "E223", "this expression nests more than \(maximumDepth) levels deep",
        at: expression.range, help: "compute the value and write the number")
    }
    let next = depth + 1
    switch expression.kind {
    case .integer(let n): return .integer(n)
    case .float(let x): return .float(x)
    case .string(let s): return .string(s)
    case .identifier(let name): return environment[name] ?? .name(name)
    case .dimensions(let dims): return .dimensions(dims)
    case .list(let items):
      var values: [Constant] = []
      for item in items { values.append(try evaluate(item, environment, depth: next)) }
      return .list(values)
    case .call(let name, let arguments):
      var values: [(label: String?, value: Constant, range: SourceRange)] = []
      for argument in arguments {
        values.append(
          (
            argument.label?.name, try evaluate(argument.value, environment, depth: next),
            argument.range
          ))
      }
      return .call(name: name.name, arguments: values)
    case .negate(let inner):
      switch try evaluate(inner, environment, depth: next) {
      case .integer(let n) where n != Int.min: return .integer(-n)
      case .float(let x): return .float(-x)
      default:
        throw Diagnostic(code: "E220", "only numbers can be negated", at: expression.range)
      }
    case .binary(let op, let lhs, let rhs):
      return try arithmetic(
        op, try evaluate(lhs, environment, depth: next),
        try evaluate(rhs, environment, depth: next),
        at: expression.range)
    }
  }

  private static func arithmetic(
    _ op: BinaryOperator, _ lhs: Constant, _ rhs: Constant, at range: SourceRange
  ) throws(Diagnostic) -> Constant {
    switch (lhs, rhs) {
    case (.integer(let a), .integer(let b)):
      let (value, overflow): (Int, Bool)
      switch op {
      case .add: (value, overflow) = a.addingReportingOverflow(b)
      case .subtract: (value, overflow) = a.subtractingReportingOverflow(b)
      case .multiply: (value, overflow) = a.multipliedReportingOverflow(by: b)
      case .divide:
        // Integer division that is not exact (`1/255`) is meant as a fraction.
        guard b != 0 else {
          throw Diagnostic(code: "E221", "division by zero", at: range)
        }
        // Int.min / −1 is the one quotient that overflows (and so does its remainder).
        let (quotient, overflows) = a.dividedReportingOverflow(by: b)
        guard !overflows else {
          throw Diagnostic(code: "E222", "this arithmetic overflows a 64-bit integer", at: range)
        }
        if a % b == 0 { return .integer(quotient) }
        return .float(Double(a) / Double(b))
      }
      guard !overflow else {
        throw Diagnostic(code: "E222", "this arithmetic overflows a 64-bit integer", at: range)
      }
      return .integer(value)
    default:
      guard let a = lhs.number, let b = rhs.number else {
        throw Diagnostic(
          code: "E220", "arithmetic needs numbers on both sides of `\(op.rawValue)`", at: range)
      }
      switch op {
      case .add: return .float(a + b)
      case .subtract: return .float(a - b)
      case .multiply: return .float(a * b)
      case .divide:
        guard b != 0 else { throw Diagnostic(code: "E221", "division by zero", at: range) }
        return .float(a / b)
      }
    }
  }
}

extension Constant {
  /// The value as a number, if it is one.
  var number: Double? {
    switch self {
    case .integer(let n): Double(n)
    case .float(let x): x
    default: nil
    }
  }

  /// How the value is described in "expected X, got Y" messages.
  var kindDescription: String {
    switch self {
    case .integer: "an integer"
    case .float: "a number"
    case .string: "a string"
    case .name(let n): "the name `\(n)`"
    case .dimensions: "dimensions"
    case .list: "a list"
    case .call(let name, _): "a call to `\(name)`"
    }
  }
}
