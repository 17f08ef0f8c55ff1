import JSON

/// Reads one transaction (a JSON object) straight into a model's feature row, by feature name.
///
/// Semantics follow the FastAPI service users run today (pydantic, lax mode): unknown fields are
/// ignored, the last of repeated keys wins, numeric strings and booleans are numbers, and every
/// problem is reported per field. A feature sent as `null` is a missing value (NaN). When the model
/// uses `tx_during_weekend` / `tx_during_night` and the request omits them, they are derived from
/// `tx_datetime` as the Fraud Detection Handbook does.
struct TransactionDecoder: Sendable {
    /// The fields of a decoded transaction that are not features.
    struct Transaction {
        var transactionID: Int64 = 0
        /// Routes the customer's requests to the canary or not (0 when absent).
        var customerID: Int64 = 0
        var terminalID: Int64 = 0
        /// `tx_amount` (NaN when absent).
        var amount: Double = .nan
        /// `tx_datetime` as Unix microseconds (nil when absent).
        var time: Int64? = nil

        /// The fields the online features are computed from.
        var online: OnlineFeatures.Transaction? {
            guard let time else { return nil }
            return OnlineFeatures.Transaction(transactionID: transactionID, time: time, customerID: customerID,
                                              terminalID: terminalID, amount: amount)
        }
    }

    let featureNames: [String]
    /// Absent features become missing values instead of errors (`--allow-missing-features`).
    let allowMissingFeatures: Bool
    /// The windowed features come from a feature store (`--feature-store`): they are not read from
    /// the request, and the raw fields they are computed from are required instead.
    let onlineFeatures: Bool
    /// The row slots a feature store fills, each with its index in `OnlineFeatures.columns`
    /// (empty without a store).
    let storeColumns: [(slot: Int, column: Int)]
    let keys: KeyTable
    /// The keys in the order clients send them (the handbook's columns, then the model's other
    /// features): after key i, key i + 1 is tried before any scan or hash (see `nextMember`).
    let guessText: [UInt8]
    let guesses: [Guess]
    /// For each key code, the index of its guess (-1 if none): where to resume after a miss.
    let guessIndex: [Int32]
    private let weekendSlot: Int?
    private let nightSlot: Int?
    let amountSlot: Int?

    // Key codes below `featureBase` are the transaction's own fields: their index in
    // `TransactionSchema.identity`.
    static let transactionID = 0
    static let datetime = 1
    static let customerID = 2
    static let terminalID = 3
    /// `tx_amount` when the model does not take it but the online features need it.
    static let amountOnly = 4
    static let featureBase = 16
    /// A handbook column the model does not use: recognised by its guess, then skipped.
    static let ignored = -1

    struct Guess: Sendable {
        var offset: Int32
        var length: Int32
        var code: Int32
    }

    init(featureNames: [String], allowMissingFeatures: Bool = false, onlineFeatures: Bool = false) {
        self.featureNames = featureNames
        self.allowMissingFeatures = allowMissingFeatures
        self.onlineFeatures = onlineFeatures
        storeColumns = !onlineFeatures ? [] : OnlineFeatures.columns.enumerated().compactMap { column, name in
            featureNames.firstIndex(of: name).map { (slot: $0, column: column) }
        }
        var entries: [(String, Int)] = []
        for (code, field) in TransactionSchema.identity.enumerated() {
            for name in [field.name] + field.aliases { entries.append((name, code)) }
        }
        for (i, name) in featureNames.enumerated() where !entries.contains(where: { $0.0 == name }) {
            entries.append((name, TransactionDecoder.featureBase + i))
        }
        if onlineFeatures && !featureNames.contains(TransactionSchema.amountField) {
            entries.append((TransactionSchema.amountField, TransactionDecoder.amountOnly))
        }
        keys = KeyTable(entries)
        var text: [UInt8] = [], guesses: [Guess] = []
        var index = [Int32](repeating: -1, count: TransactionDecoder.featureBase + featureNames.count)
        let known = Dictionary(entries, uniquingKeysWith: { a, _ in a })
        var listed = Set<String>()
        for name in TransactionSchema.handbookFields + featureNames where listed.insert(name).inserted {
            let code = known[name] ?? TransactionDecoder.ignored
            if code >= 0 { index[code] = Int32(guesses.count) }
            guesses.append(Guess(offset: Int32(text.count), length: Int32(name.utf8.count), code: Int32(code)))
            text += name.utf8
        }
        guessText = text
        self.guesses = guesses
        guessIndex = index
        weekendSlot = featureNames.firstIndex(of: TransactionSchema.weekendFeature)
        nightSlot = featureNames.firstIndex(of: TransactionSchema.nightFeature)
        amountSlot = featureNames.firstIndex(of: TransactionSchema.amountField)
    }

    /// What the members of a transaction said besides the row: which identity fields came, and the
    /// time.
    struct Found {
        var sawID = false, sawCustomer = false, sawTerminal = false, sawDatetime = false
        var datetime: CivilTime? = nil
    }

    /// Fills `row` (featureNames.count Doubles) from `body`; on failure returns the errors instead.
    /// The common shape of request goes through `decodePlain` in one pass; anything else, or
    /// `plainPath: false`, through the general path, which gives the same row for what both take.
    func decode(_ body: UnsafeRawBufferPointer, into row: UnsafeMutableBufferPointer<Double>,
                transaction: inout Transaction, plainPath: Bool = true) -> [ValidationError]? {
        if body.isEmpty { return [ValidationError(type: .missing, loc: .body, msg: "Field required")] }
        // Which row slots were set; rows have at most a few hundred features, so a stack bitmap would
        // do, but a small flag per slot keeps this simple and allocation-free.
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: row.count) { seen in
            seen.initialize(repeating: false)
            for (slot, _) in storeColumns { seen[slot] = true }
            var errors: [ValidationError] = []
            var found = Found()
            let given = transaction
            if !plainPath || !decodePlain(body, into: row, seen: seen, transaction: &transaction, found: &found) {
                // Everything the plain path wrote is written again from the same members, or the
                // request is refused.
                seen.initialize(repeating: false)
                for (slot, _) in storeColumns { seen[slot] = true }
                transaction = given
                found = Found()
                if let invalidJSON = decodeGeneral(body, into: row, seen: seen, transaction: &transaction, found: &found,
                                                   errors: &errors) {
                    return [invalidJSON]
                }
            }
            if !found.sawID { errors.insert(.missing(TransactionSchema.requiredIdentity), at: 0) }
            if onlineFeatures {
                transaction.time = found.datetime?.unixMicroseconds
                // An unsent amount the model takes is reported with the other missing features.
                let reportedLater = amountSlot.map { !seen[$0] && !allowMissingFeatures } ?? false
                checkOnline(transaction, sawCustomer: found.sawCustomer, sawTerminal: found.sawTerminal,
                            sawDatetime: found.sawDatetime, amountReportedLater: reportedLater, errors: &errors)
            }
            fillUnsent(row, seen: seen, datetime: found.datetime, errors: &errors)
            return errors.isEmpty ? nil : errors
        }
    }

    /// The members of `body`, any shape, into `row`, `seen`, `transaction` and `found`, with per-field
    /// problems added to `errors`; returns the error for a body that is not JSON (nil if it is).
    private func decodeGeneral(_ body: UnsafeRawBufferPointer, into row: UnsafeMutableBufferPointer<Double>,
                               seen: UnsafeMutableBufferPointer<Bool>, transaction: inout Transaction, found: inout Found,
                               errors: inout [ValidationError]) -> ValidationError? {
        var scanner = JSONScanner(body)
        do {
            guard try scanner.peekKind() == .object else {
                return ValidationError(type: .modelAttributesType, loc: .body,
                                       msg: "Input should be a valid dictionary or object to extract fields from")
            }
            _ = scanner.consume(UInt8(ascii: "{"))
            var first = true
            var next = 0          // the guess for the next key
            var matched = false
            // The guesses' storage is opened once for the whole object, not once per member.
            try guessText.withUnsafeBytes { text in
                try guesses.withUnsafeBufferPointer { guessList in
                    while let keyToken = try scanner.nextMember(
                        first: first,
                        guess: next < guessList.count
                            ? UnsafeRawBufferPointer(rebasing: text[Int(guessList[next].offset)..<Int(guessList[next].offset + guessList[next].length)])
                            : UnsafeRawBufferPointer(start: nil, count: 0),
                        matchedGuess: &matched) {
                        first = false
                        let code: Int?
                        if matched {
                            let c = Int(guessList[next].code)
                            code = c == TransactionDecoder.ignored ? nil : c
                            next += 1
                        } else if keyToken.hasEscapes {
                            let key = try scanner.unescaped(keyToken)
                            code = key.withUnsafeBytes { keys.lookup($0) }
                        } else {
                            code = keys.lookup(UnsafeRawBufferPointer(rebasing: body[keyToken.range]))
                        }
                        if !matched, let code, guessIndex[code] >= 0 { next = Int(guessIndex[code]) + 1 }
                        guard let code else { try scanner.skipValue(depth: 1); continue }
                        let name = keyToken.range
                        switch code {
                        case TransactionDecoder.transactionID:
                            if let v = try readInt(&scanner, field: name, errors: &errors) { transaction.transactionID = v }
                            found.sawID = true
                        case TransactionDecoder.customerID:
                            if let v = try readInt(&scanner, field: name, errors: &errors) { transaction.customerID = v }
                            found.sawCustomer = true
                        case TransactionDecoder.terminalID:
                            if let v = try readInt(&scanner, field: name, errors: &errors) { transaction.terminalID = v }
                            found.sawTerminal = true
                        case TransactionDecoder.datetime:
                            found.datetime = try readDatetime(&scanner, field: name, errors: &errors)
                            found.sawDatetime = true
                        case TransactionDecoder.amountOnly:
                            if let v = try readFeature(&scanner, field: name, errors: &errors) { transaction.amount = v }
                        default:
                            let slot = code - TransactionDecoder.featureBase
                            // A value of the wrong type is reported once, as such, not also as missing.
                            seen[slot] = true
                            if let v = try readFeature(&scanner, field: name, errors: &errors) {
                                row[slot] = v
                                if slot == amountSlot { transaction.amount = v }
                            }
                        }
                    }
                }
            }
            try scanner.expectEnd()
        } catch let e as JSONError {
            return ValidationError(type: .jsonInvalid, loc: .offset(e.offset), msg: "JSON decode error",
                                   context: e.message)
        } catch {
            return ValidationError(type: .jsonInvalid, loc: .body, msg: "JSON decode error")
        }
        return nil
    }

    /// With online features, the fields they are computed from must be there (a value of the wrong
    /// type is already reported as such).
    private func checkOnline(_ t: Transaction, sawCustomer: Bool, sawTerminal: Bool, sawDatetime: Bool,
                             amountReportedLater: Bool, errors: inout [ValidationError]) {
        let why = " (the online features are computed from it)"
        if !sawDatetime { errors.append(ValidationError(type: .missing, loc: .field("tx_datetime"), msg: "Field required" + why)) }
        if !sawCustomer { errors.append(ValidationError(type: .missing, loc: .field("customer_id"), msg: "Field required" + why)) }
        if !sawTerminal { errors.append(ValidationError(type: .missing, loc: .field("terminal_id"), msg: "Field required" + why)) }
        if abs(t.amount) > TransactionSchema.maxOnlineAmount {
            errors.append(ValidationError(type: .lessThanEqual, loc: .field(TransactionSchema.amountField),
                                          msg: "Input should be between -100000000000 and 100000000000 (the online features "
                                              + "sum amounts in whole cents)"))
        }
        if t.amount.isNaN && !amountReportedLater && !errors.contains(where: { $0.loc == .field(TransactionSchema.amountField) }) {
            errors.append(ValidationError(type: .missing, loc: .field(TransactionSchema.amountField),
                                          msg: "Field required, a number" + why))
        }
    }

    /// Features the request did not send: the calendar ones derived from `tx_datetime` as the handbook
    /// does, the others missing values (`--allow-missing-features`) or errors.
    @inline(__always)
    private func fillUnsent(_ row: UnsafeMutableBufferPointer<Double>, seen: UnsafeMutableBufferPointer<Bool>,
                            datetime: CivilTime?, errors: inout [ValidationError]) {
        if let datetime {
            if let slot = weekendSlot, !seen[slot] { row[slot] = datetime.isWeekend ? 1 : 0; seen[slot] = true }
            if let slot = nightSlot, !seen[slot] { row[slot] = datetime.isNight ? 1 : 0; seen[slot] = true }
        }
        for slot in 0..<row.count where !seen[slot] {
            if allowMissingFeatures {
                row[slot] = .nan
            } else if slot == weekendSlot || slot == nightSlot {
                if onlineFeatures { continue }  // tx_datetime is required then, and reported
                errors.append(ValidationError(type: .missing, loc: .field(featureNames[slot]),
                                              msg: "Field required (or send tx_datetime to derive it)"))
            } else {
                errors.append(.missing(featureNames[slot]))
            }
        }
    }

    // MARK: field readers (each consumes exactly one value)

    private func readFeature(_ s: inout JSONScanner, field: Range<Int>,
                             errors: inout [ValidationError]) throws -> Double? {
        if let v = s.readShortDecimal() { return v }
        switch try s.peekKind() {
        case .number:
            return finite(try s.readNumber().double, s, field: field, errors: &errors)
        case .null:
            try s.readNull()
            return .nan
        case .bool:
            return try s.readBool() ? 1 : 0
        case .string:
            let token = try s.readString()
            if let n = s.numberInString(token) { return finite(n.double, s, field: field, errors: &errors) }
            errors.append(ValidationError(type: .floatParsing, loc: .field(s.bytes.stringOf(field)),
                                          msg: "Input should be a valid number, unable to parse string as a number"))
            return nil
        case .object, .array:
            try s.skipValue(depth: 1)
            errors.append(ValidationError(type: .floatType, loc: .field(s.bytes.stringOf(field)), msg: "Input should be a valid number"))
            return nil
        }
    }

    /// A number too large for a Double (`1e400`) is refused rather than scored as infinite; a
    /// missing value is sent as `null`.
    private func finite(_ v: Double, _ s: JSONScanner, field: Range<Int>, errors: inout [ValidationError]) -> Double? {
        if v.isFinite { return v }
        errors.append(ValidationError(type: .finiteNumber, loc: .field(s.bytes.stringOf(field)),
                                      msg: "Input should be a finite number (send null for a missing value)"))
        return nil
    }

    private func readInt(_ s: inout JSONScanner, field: Range<Int>,
                         errors: inout [ValidationError]) throws -> Int64? {
        if let v = s.readShortInteger() { return v }
        var number: JSONNumber
        switch try s.peekKind() {
        case .number:
            number = try s.readNumber()
        case .bool:
            return try s.readBool() ? 1 : 0
        case .string:
            let token = try s.readString()
            guard let n = s.numberInString(token), n.int64 != nil else {
                errors.append(ValidationError(type: .intParsing, loc: .field(s.bytes.stringOf(field)),
                                              msg: "Input should be a valid integer, unable to parse string as an integer"))
                return nil
            }
            number = n
        case .null, .object, .array:
            try s.skipValue(depth: 1)
            errors.append(ValidationError(type: .intType, loc: .field(s.bytes.stringOf(field)), msg: "Input should be a valid integer"))
            return nil
        }
        if let v = number.int64 { return v }
        // 12.0 is an integer to pydantic; 12.5 is not; beyond Int64 is out of range.
        let d = number.double
        if d.rounded() == d && abs(d) < 9.2e18 { return Int64(d) }
        if d.rounded() == d || !d.isFinite {
            errors.append(ValidationError(type: .intParsingSize, loc: .field(s.bytes.stringOf(field)),
                                          msg: "Input should be an integer between -2^63 and 2^63-1"))
        } else {
            errors.append(ValidationError(type: .intFromFloat, loc: .field(s.bytes.stringOf(field)),
                                          msg: "Input should be a valid integer, got a number with a fractional part"))
        }
        return nil
    }

    private func readDatetime(_ s: inout JSONScanner, field: Range<Int>,
                              errors: inout [ValidationError]) throws -> CivilTime? {
        switch try s.peekKind() {
        case .string:
            let token = try s.readString()
            if let t = CivilTime.parse(UnsafeRawBufferPointer(rebasing: s.bytes[token.range])) { return t }
            errors.append(ValidationError(type: .datetimeFromDateParsing, loc: .field(s.bytes.stringOf(field)),
                                          msg: "Input should be a valid datetime, expected YYYY-MM-DD HH:MM:SS"))
            return nil
        case .number:
            let n = try s.readNumber()
            guard abs(n.double) <= CivilTime.maxTimestamp else {
                errors.append(ValidationError(type: .datetimeParsing, loc: .field(s.bytes.stringOf(field)),
                                              msg: "Input should be a valid datetime, timestamp out of range"))
                return nil
            }
            // pydantic reads numbers as Unix time, in milliseconds when they are that large.
            let seconds = abs(n.double) > 2e10 ? n.double / 1000 : n.double
            if let t = CivilTime(unixSeconds: seconds) { return t }
            errors.append(ValidationError(type: .datetimeParsing, loc: .field(s.bytes.stringOf(field)),
                                          msg: "Input should be a valid datetime, timestamp out of range"))
            return nil
        case .null, .bool, .object, .array:
            try s.skipValue(depth: 1)
            errors.append(ValidationError(type: .datetimeType, loc: .field(s.bytes.stringOf(field)),
                                          msg: "Input should be a valid datetime"))
            return nil
        }
    }
}

extension JSONScanner {
    /// The number a string holds, when it holds exactly one (surrounding spaces allowed).
    func numberInString(_ token: StringToken) -> JSONNumber? {
        guard !token.hasEscapes else { return nil }
        var r = token.range
        while r.lowerBound < r.upperBound, bytes[r.lowerBound] == 0x20 { r = (r.lowerBound + 1)..<r.upperBound }
        while r.lowerBound < r.upperBound, bytes[r.upperBound - 1] == 0x20 { r = r.lowerBound..<(r.upperBound - 1) }
        return JSONNumber.parse(UnsafeRawBufferPointer(rebasing: bytes[r]))
    }
}

extension UnsafeRawBufferPointer {
    func stringOf(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: self[range]), as: UTF8.self)
    }
}
