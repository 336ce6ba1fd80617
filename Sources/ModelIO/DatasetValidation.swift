import Foundation
import Store

/// The value rules of docs/data.md §1, as pure functions over arrays already read, so
/// each rule reports the first offending element by its [k,t,n] index.
enum DatasetValidation {
    /// Largest count Float32 holds exactly together with every smaller whole number.
    static let maxExactCount = 16_777_216.0

    /// Checks counts (whole, finite, >= 0, <= 2^24) and returns them as Float32. With `missing`
    /// (SBTT) a NaN is a missing element, kept and not checked.
    static func counts(_ values: [Double], shape: [Int], kind: ElementKind, dataset: String,
                       file: String, missing: Bool = false) throws -> [Float] {
        var isFloat = false
        if case .float = kind { isFloat = true }
        for (i, v) in values.enumerated() {
            // One pass, rules in table order, so the message is about the first bad element.
            if v.isNaN { if missing { continue }; throw nanError(file, dataset, i, shape) }
            if v.isInfinite { throw error(file, "'\(dataset)' contains \(format(v)) at \(index(i, shape))") }
            if v < 0 {
                throw error(file, "'\(dataset)' contains negative count \(format(v)) at \(index(i, shape))")
            }
            if isFloat && v != v.rounded(.towardZero) {
                throw error(file, "'\(dataset)' is float but holds non-integer count \(format(v)) at \(index(i, shape))")
            }
            if v > maxExactCount {
                throw error(file, "'\(dataset)' count \(format(v)) at \(index(i, shape)) exceeds 16777216 (not exact in Float32)")
            }
        }
        return values.map { Float($0) }
    }

    /// Checks non-count data (docs/model.md §14): finite, and inside the observation model's domain.
    static func values(_ values: [Double], shape: [Int], domain: DataDomain, dataset: String,
                       file: String, missing: Bool = false) throws -> [Float] {
        for (i, v) in values.enumerated() {
            if v.isNaN { if missing { continue }; throw nanError(file, dataset, i, shape) }
            if v.isInfinite { throw error(file, "'\(dataset)' contains \(format(v)) at \(index(i, shape))") }
            if let rule = domain.violation(v) {
                throw error(file, "'\(dataset)' value \(format(v)) at \(index(i, shape)) \(rule)")
            }
            if abs(v) > Double(Float.greatestFiniteMagnitude) {
                throw error(file, "'\(dataset)' value \(format(v)) at \(index(i, shape)) overflows Float32")
            }
        }
        return values.map { Float($0) }
    }

    /// Checks truth: finite and >= 0 (the shape was checked against the data before reading);
    /// negative truth is allowed only where the data may be negative (Gaussian means).
    static func truth(_ values: [Double], shape: [Int], dataset: String, file: String, allowNegative: Bool = false) throws {
        for (i, v) in values.enumerated() {
            if v.isNaN { throw error(file, "'\(dataset)' contains NaN at \(index(i, shape))") }
            if v.isInfinite { throw error(file, "'\(dataset)' contains \(format(v)) at \(index(i, shape))") }
            if v < 0 && !allowNegative { throw error(file, "'\(dataset)' contains negative value \(format(v)) at \(index(i, shape))") }
        }
    }

    /// Checks a 1-D per-trial label array (inds or conditions): >= 0; with `unique`, no repeats.
    static func labels(_ values: [Int64], dataset: String, unique: Bool, file: String) throws -> [Int] {
        var firstAt: [Int64: Int] = [:]
        for (i, v) in values.enumerated() {
            if v < 0 { throw error(file, "'\(dataset)' contains negative value \(v) at [\(i)]") }
            if unique {
                if let j = firstAt[v] { throw error(file, "'\(dataset)' value \(v) appears twice, at [\(j)] and [\(i)]") }
                firstAt[v] = i
            }
        }
        return values.map { Int($0) }
    }

    /// Checks that no trial position is claimed by both splits.
    static func disjoint(train: [Int], valid: [Int], file: String) throws {
        var trainAt: [Int: Int] = [:]
        for (i, v) in train.enumerated() { trainAt[v] = i }
        for (i, v) in valid.enumerated() {
            if let j = trainAt[v] {
                throw error(file, "'valid_inds' value \(v) also in 'train_inds' (valid_inds[\(i)], train_inds[\(j)])")
            }
        }
    }

    /// Checks a conversion factor from one source ("dataset 'conversion_factor'" or "root attribute").
    static func conversionFactor(_ value: Double, source: String, file: String) throws {
        guard value.isFinite && value > 0 else {
            throw error(file, "conversion_factor must be positive and finite, got \(format(value)) (\(source))")
        }
    }

    /// NaN in data without SBTT: the message says how to mark missing elements instead.
    static func nanError(_ file: String, _ dataset: String, _ i: Int, _ shape: [Int]) -> DatasetError {
        error(file, "'\(dataset)' contains NaN at \(index(i, shape)) (NaN marks a missing element only with sbtt: 1)")
    }

    static func error(_ file: String, _ message: String) -> DatasetError {
        DatasetError("\(file): \(message)")
    }

    /// The multi-index of flat element `i` of a row-major array: "[3,17,5]".
    static func index(_ i: Int, _ shape: [Int]) -> String {
        var rest = i
        var parts = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            parts[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return "[" + parts.map(String.init).joined(separator: ",") + "]"
    }

    /// A shape as numpy prints it, "(260, 50)" or "(260,)", since users know files through h5py.
    static func shape(_ dims: [Int]) -> String {
        dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.map(String.init).joined(separator: ", ") + ")"
    }

    /// A value for messages: whole numbers exactly ("12", "3.1e7", "1.6777217e7"), others as Swift prints them.
    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        guard v == v.rounded(), abs(v) < 9.2e18 else { return "\(v)" }
        let whole = Int64(v)
        if abs(whole) < 10_000_000 { return String(whole) }
        // Scientific with every significant digit kept, so the message shows the exact count.
        let digits = String(whole.magnitude)
        let significant = digits.reversed().drop { $0 == "0" }.reversed()
        let mantissa = significant.count > 1
            ? String(significant.first!) + "." + String(significant.dropFirst())
            : String(significant)
        return (whole < 0 ? "-" : "") + mantissa + "e\(digits.count - 1)"
    }
}
