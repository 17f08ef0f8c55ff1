import JSON
import Support

/// A file of past transactions with their labels, for a warm start (`features backfill`,
/// `serve --feature-history`): CSV with a header row, or JSON lines (`.jsonl`, `.json`).
///
/// Columns by name, in any case and order: `transaction_id` (or the course data's `tranaction_id`),
/// `tx_datetime`, `customer_id`, `terminal_id`, `tx_amount`, and the label `tx_fraud` (or `is_fraud`;
/// 1/0, true/false), which may be absent. Other columns (pandas' index, the handbook's features) are
/// ignored. Rows come back in (time, transaction id) order, as they are recorded.
struct HistoryFile {
    struct Row: Equatable {
        var transaction: OnlineFeatures.Transaction
        var fraud: Bool?
    }

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    static let idNames: Set<String> = ["transaction_id", "tranaction_id"]
    static let labelNames: Set<String> = ["tx_fraud", "is_fraud"]

    /// The rows of `text` (the file's contents); `name` is for messages and tells JSON lines apart.
    static func rows(_ text: String, name: String) throws(Problem) -> [Row] {
        var rows = name.hasSuffix(".jsonl") || name.hasSuffix(".json") ? try jsonLines(text, name: name) : try csv(text, name: name)
        rows.sort { ($0.transaction.time, $0.transaction.transactionID) < ($1.transaction.time, $1.transaction.transactionID) }
        return rows
    }

    private static func csv(_ text: String, name: String) throws(Problem) -> [Row] {
        var lines = text.split(whereSeparator: \.isNewline).makeIterator()
        guard let header = lines.next() else { throw Problem(description: "\(name) is empty: it needs a header row") }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map { unquote($0).lowercased() }
        func column(_ names: Set<String>) -> Int? { columns.firstIndex { names.contains($0) } }
        guard let id = column(idNames), let time = column(["tx_datetime"]), let customer = column(["customer_id"]),
              let terminal = column(["terminal_id"]), let amount = column(["tx_amount"]) else {
            throw Problem(description: "\(name) needs the columns transaction_id (or tranaction_id), tx_datetime, customer_id, "
                          + "terminal_id and tx_amount; its header is: \(header)")
        }
        let label = column(labelNames)
        var rows: [Row] = []
        var line = 1
        while let raw = lines.next() {
            line += 1
            let cells = raw.split(separator: ",", omittingEmptySubsequences: false).map { unquote($0) }
            guard cells.count == columns.count else {
                throw Problem(description: "\(name) line \(line) has \(cells.count) values for \(columns.count) columns")
            }
            rows.append(try row(id: cells[id], time: cells[time], customer: cells[customer], terminal: cells[terminal],
                                amount: cells[amount], label: label.map { cells[$0] }, at: "\(name) line \(line)"))
        }
        return rows
    }

    private static func jsonLines(_ text: String, name: String) throws(Problem) -> [Row] {
        var rows: [Row] = []
        for (i, line) in text.split(whereSeparator: \.isNewline).enumerated() where !line.allSatisfy(\.isWhitespace) {
            let at = "\(name) line \(i + 1)"
            guard let object = try? JSONValue.parse(Array(line.utf8)), case .object(let members) = object else {
                throw Problem(description: "\(at) is not a JSON object")
            }
            var fields: [String: String] = [:]
            for (key, value) in members {
                switch value {
                case .string(let s): fields[key.lowercased()] = s
                case .number(let n): fields[key.lowercased()] = n.int64.map(String.init) ?? String(n.double)
                case .bool(let b): fields[key.lowercased()] = b ? "1" : "0"
                default: continue
                }
            }
            func field(_ names: Set<String>) -> String? { names.lazy.compactMap { fields[$0] }.first }
            rows.append(try row(id: field(idNames), time: fields["tx_datetime"], customer: fields["customer_id"],
                                terminal: fields["terminal_id"], amount: fields["tx_amount"], label: field(labelNames), at: at))
        }
        return rows
    }

    private static func row(id: String?, time: String?, customer: String?, terminal: String?, amount: String?,
                            label: String?, at: String) throws(Problem) -> Row {
        func integer(_ s: String?, _ what: String) throws(Problem) -> Int64 {
            guard let s, let v = Int64(s) ?? Double(s).flatMap({ $0.rounded() == $0 ? Int64(exactly: $0) : nil }) else {
                throw Problem(description: "\(at): \(what) must be an integer, got \(s ?? "nothing")")
            }
            return v
        }
        guard let time, let civil = parseTime(time) else {
            throw Problem(description: "\(at): tx_datetime must be YYYY-MM-DD HH:MM:SS or Unix time, got \(time ?? "nothing")")
        }
        guard let amount, let value = Double(amount), value.isFinite else {
            throw Problem(description: "\(at): tx_amount must be a number, got \(amount ?? "nothing")")
        }
        var fraud: Bool?
        if let label, !label.isEmpty {
            switch label.lowercased() {
            case "1", "1.0", "true": fraud = true
            case "0", "0.0", "false": fraud = false
            default: throw Problem(description: "\(at): tx_fraud must be 1 or 0, got \(label)")
            }
        }
        return Row(transaction: OnlineFeatures.Transaction(
            transactionID: try integer(id, "transaction_id"), time: civil, customerID: try integer(customer, "customer_id"),
            terminalID: try integer(terminal, "terminal_id"), amount: value), fraud: fraud)
    }

    /// Unix microseconds of a timestamp as the API reads it (text, or Unix seconds).
    private static func parseTime(_ text: String) -> Int64? {
        var t = text
        if let civil = t.withUTF8({ CivilTime.parse(UnsafeRawBufferPointer($0)) }) { return civil.unixMicroseconds }
        if let seconds = Double(text), let civil = CivilTime(unixSeconds: abs(seconds) > 2e10 ? seconds / 1000 : seconds) {
            return civil.unixMicroseconds
        }
        return nil
    }

    private static func unquote(_ s: Substring) -> String {
        let trimmed = s.trimming(" \t\r")
        if trimmed.count >= 2, trimmed.first == "\"", trimmed.last == "\"" { return String(trimmed.dropFirst().dropLast()) }
        return trimmed
    }
}
