import Foundation

/// Numeric CSV files with a header row: some columns are features, others regression targets
/// or a class label.
public enum CSVDataset {
  /// Loads `path`. `features` empty means every column that is neither a target nor the label.
  public static func load(
    path: String, features: [String], targets: [String], label: String?, scale: Float
  ) throws(DataError) -> Dataset {
    try load(
      bytes: try readFile(path), source: path, features: features, targets: targets,
      label: label, scale: scale)
  }

  /// Loads CSV text from bytes in memory (UTF-8; bytes that are not are read as U+FFFD, as
  /// for a file). `source` names them in errors, as the path does for a file.
  public static func load(
    bytes: [UInt8], source path: String, features: [String], targets: [String], label: String?,
    scale: Float
  ) throws(DataError) -> Dataset {
    let lines = String(decoding: bytes, as: UTF8.self).split(
      omittingEmptySubsequences: false, whereSeparator: \.isNewline
    ).map { $0.trimmingCharacters(in: .whitespaces) }
    guard let headerLine = lines.first, !headerLine.isEmpty else {
      throw DataError(path, "is empty; the first line must name the columns")
    }
    let header = fields(headerLine)
    func column(_ name: String) throws(DataError) -> Int {
      guard let index = header.firstIndex(of: name) else {
        throw DataError(
          path, "has no column `\(name)`",
          help: "its columns are: " + header.joined(separator: ", "))
      }
      return index
    }
    var targetColumns: [Int] = []
    for name in targets { targetColumns.append(try column(name)) }
    let labelColumn: Int? = try label.map { name throws(DataError) in try column(name) }
    var featureColumns: [Int] = []
    for name in features { featureColumns.append(try column(name)) }
    if features.isEmpty {
      featureColumns = header.indices.filter { !targetColumns.contains($0) && $0 != labelColumn }
    }
    guard !featureColumns.isEmpty else { throw DataError(path, "has no feature columns") }
    var featureValues: [Float] = []
    var targetValues: [Float] = []
    var labels: [Int32] = []
    for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
      let row = fields(line)
      guard row.count == header.count else {
        throw DataError(
          "\(path):\(index + 1)", "has \(row.count) fields, the header has \(header.count)")
      }
      func number(_ column: Int) throws(DataError) -> Float {
        guard let value = Float(row[column]), value.isFinite else {
          throw DataError(
            "\(path):\(index + 1)", "`\(row[column])` in column `\(header[column])` is not a number"
          )
        }
        return value
      }
      for c in featureColumns { featureValues.append(try number(c) * scale) }
      for c in targetColumns { targetValues.append(try number(c)) }
      if let labelColumn {
        let value = try number(labelColumn)
        guard value >= 0, value == value.rounded(), value < 65536 else {
          throw DataError(
            "\(path):\(index + 1)", "the label \(row[labelColumn]) is not a class index")
        }
        labels.append(Int32(value))
      } else {
        labels.append(0)
      }
    }
    guard !labels.isEmpty else { throw DataError(path, "has a header but no rows") }
    return Dataset(
      features: featureValues, sampleShape: [featureColumns.count], labels: labels,
      targets: targetValues, targetWidth: targetColumns.count)
  }

  /// The comma-separated fields of a line, with surrounding quotes removed.
  static func fields(_ line: String) -> [String] {
    line.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(
        in: CharacterSet(charactersIn: "\""))
    }
  }
}
