/// Stable codes of the diagnostics the lexer and parser emit. Lowering's codes (E2xx names
/// and layers, E3xx shapes, E4xx the train section) are listed in docs/language.md.
public enum DiagnosticCode {
  /// A string literal without its closing quote.
  public static let unterminatedString = "E001"
  /// A character that cannot start any token.
  public static let invalidCharacter = "E002"
  /// An integer literal that does not fit in 64 bits.
  public static let numberTooLarge = "E003"
  /// A line that is not a layer, an edge, or a known statement.
  public static let expectedLayer = "E101"
  /// A `[` or `(` without its closing bracket.
  public static let unclosedBracket = "E102"
  /// An arrow with nothing after it: `a -->`.
  public static let edgeWithoutTarget = "E103"
  /// A line outside any section, or an unknown section header.
  public static let outsideSection = "E104"
  /// Brackets nested more than 64 deep.
  public static let nestingTooDeep = "E105"
  /// An edge in a section declared `neuralnet sequential`.
  public static let edgeInSequential = "E106"
  /// A value was expected (after `:`, after a train setting, inside brackets).
  public static let expectedValue = "E107"
  /// The file has neither a `neuralnet` nor a `train` section.
  public static let emptyFile = "E108"
  /// Something after a complete statement on the same line.
  public static let unexpectedToken = "E109"
  /// A `block` without its `end`.
  public static let unclosedBlock = "E110"
  /// An imported file that cannot be found or read.
  public static let importNotFound = "E111"
  /// Files that import each other in a cycle.
  public static let importCycle = "E112"
  /// Two train sections with the same name, or two without one.
  public static let duplicateStage = "E113"
}
