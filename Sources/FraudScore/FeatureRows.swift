import JSON

/// Builds model rows from the column-oriented shapes of the standard protocols (MLflow scoring,
/// Open Inference Protocol): values by feature name or by position, numbers or null (missing).
struct FeatureRows {
    let featureNames: [String]
    let allowMissingFeatures: Bool
    private(set) var values: [Double] = []
    private(set) var count = 0

    struct Problem: Error {
        var message: String
    }

    init(featureNames: [String], allowMissingFeatures: Bool) {
        self.featureNames = featureNames
        self.allowMissingFeatures = allowMissingFeatures
    }

    static func number(_ v: JSONValue, _ what: @autoclosure () -> String) throws -> Double {
        switch v {
        case .number(let n): return n.double
        case .null: return .nan
        case .bool(let b): return b ? 1 : 0
        default: throw Problem(message: "\(what()) must be a number or null")
        }
    }

    /// One row from a record of named fields; fields the model does not use are ignored.
    mutating func append(record: [(String, JSONValue)], row index: Int) throws {
        var row = [Double](repeating: .nan, count: featureNames.count)
        var seen = [Bool](repeating: false, count: featureNames.count)
        for (key, value) in record {
            guard let i = featureNames.firstIndex(of: key) else { continue }
            row[i] = try FeatureRows.number(value, "row \(index), column \"\(key)\"")
            seen[i] = true
        }
        if !allowMissingFeatures, let missing = seen.firstIndex(of: false) {
            throw Problem(message: "row \(index) has no column \"\(featureNames[missing])\" (the model's features: "
                          + featureNames.joined(separator: ", ") + ")")
        }
        values += row
        count += 1
    }

    /// One row from values in the model's feature order.
    mutating func append(positional: [JSONValue], row index: Int) throws {
        guard positional.count == featureNames.count else {
            throw Problem(message: "row \(index) has \(positional.count) values; the model takes \(featureNames.count): "
                          + featureNames.joined(separator: ", "))
        }
        values += try positional.enumerated().map { try FeatureRows.number($0.element, "row \(index), value \($0.offset)") }
        count += 1
    }
}
