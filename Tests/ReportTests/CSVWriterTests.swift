import Testing
@testable import Report

/// A strict RFC 4180 reader for the tests: quoted fields, doubled quotes, CRLF records.
func parseCSV(_ text: String) throws -> [[String]] {
    var records: [[String]] = [], fields: [String] = [], field = ""
    var chars = Array(text.unicodeScalars)[...]
    var quoted = false, atFieldStart = true
    struct Bad: Error, CustomStringConvertible { let description: String }
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" {
                if chars.first == "\"" { chars.removeFirst(); field.unicodeScalars.append("\"") } else { quoted = false }
            } else { field.unicodeScalars.append(c) }
            continue
        }
        switch c {
        case "\"":
            guard atFieldStart else { throw Bad(description: "quote inside an unquoted field: \(field)") }
            quoted = true; atFieldStart = false
        case ",":
            fields.append(field); field = ""; atFieldStart = true
        case "\r":
            guard chars.popFirst() == "\n" else { throw Bad(description: "CR not followed by LF") }
            fields.append(field); records.append(fields); fields = []; field = ""; atFieldStart = true
        case "\n":
            throw Bad(description: "bare LF outside quotes (records must end in CRLF)")
        default:
            field.unicodeScalars.append(c); atFieldStart = false
        }
    }
    guard !quoted else { throw Bad(description: "unterminated quoted field") }
    guard fields.isEmpty && field.isEmpty else { throw Bad(description: "last record lacks CRLF") }
    return records
}

struct CSVWriterTests {
    @Test func fieldsAreQuotedExactlyWhenTheyNeedIt() {
        #expect(CSVWriter.quote("plain") == "plain")
        #expect(CSVWriter.quote("") == "")
        #expect(CSVWriter.quote("a,b") == "\"a,b\"")
        #expect(CSVWriter.quote("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVWriter.quote("two\nlines") == "\"two\nlines\"")
        #expect(CSVWriter.quote("cr\rlf") == "\"cr\rlf\"")
        #expect(CSVWriter.quote("crlf\r\nx") == "\"crlf\r\nx\"")
        #expect(CSVWriter.quote(" padded") == "\" padded\"")
        #expect(CSVWriter.quote("1e-05") == "1e-05")
    }

    @Test func awkwardFieldsRoundTripThroughAStrictReader() throws {
        let header = ["run", "note, with comma", "q\"uote"]
        let rows = [["runs/cd on", "line1\r\nline2", "\"\""], ["", "é ü ß ²", "a\nb"], [",", " ", "x"]]
        var w = CSVWriter(columns: header)
        for r in rows { w.add(r) }
        #expect(w.recordCount == 3)
        #expect(try parseCSV(w.text) == [header] + rows)
        #expect(w.text.hasSuffix("\r\n"))
    }

    @Test func numbersAreShortExactAndMissingIsEmpty() {
        #expect(CSVNumber.format(Double.nan) == "")
        #expect(CSVNumber.format(40.0) == "40")
        #expect(CSVNumber.format(-3.0) == "-3")
        #expect(CSVNumber.format(0.1) == "0.1")
        #expect(CSVNumber.format(Double.infinity) == "inf")
        #expect(CSVNumber.format(-Double.infinity) == "-inf")
        for v in [0.012345678901234567, 1e-5, 6.65e-7, 123456.789, -0.54050123, 1e20] {
            #expect(Double(CSVNumber.format(v)) == v, "\(v) does not read back")
        }
    }
}
