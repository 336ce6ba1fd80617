import Foundation
import Store

/// RFC 4180 CSV: a header line, records ending in CRLF, and a field quoted (with inner quotes
/// doubled) exactly when it holds a comma, a quote, CR or LF, or starts or ends with a space, which
/// some readers would trim. Written by hand because this is all the report needs: the two CSV
/// packages in the mirror are mainly readers and would add a dependency for a dozen lines.
public struct CSVWriter {
    public let columns: [String]
    /// The records as given (unquoted), kept so the HTML page can show the same table.
    public private(set) var records: [[String]] = []

    public init(columns: [String]) { self.columns = columns }

    /// Adds one record; it must have one field per column, so a table can never shift its columns.
    public mutating func add(_ fields: [String]) {
        precondition(fields.count == columns.count, "CSV record has \(fields.count) fields for \(columns.count) columns")
        records.append(fields)
    }

    public var recordCount: Int { records.count }

    public var text: String {
        var out = ""
        for fields in [columns] + records {
            out += fields.map(Self.quote).joined(separator: ",")
            out += "\r\n"
        }
        return out
    }

    public static func quote(_ field: String) -> String {
        let needs = field.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
            || field.hasPrefix(" ") || field.hasSuffix(" ")
        guard needs else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public func write(to path: String) throws {
        try AtomicFile.write(text, to: path)
    }
}

/// How numbers appear in the CSV files: missing values (NaN) as empty fields, which pandas, R and
/// spreadsheets read as missing; whole numbers without ".0" (epochs, batch sizes); everything else
/// in Swift's shortest representation that reads back to the same Double.
public enum CSVNumber {
    public static func format(_ v: Double) -> String {
        if v.isNaN { return "" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    public static func format(_ v: Int) -> String { String(v) }
}
