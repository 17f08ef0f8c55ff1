import JSON

/// One problem with a request, in FastAPI/pydantic's error shape:
/// `{"type": "missing", "loc": ["body", "tx_amount"], "msg": "Field required"}`.
struct ValidationError: Sendable, Equatable {
    enum Location: Sendable, Equatable {
        case body
        case field(String)
        case offset(Int)
        case header(String)
    }

    /// pydantic's error types this API reports; the raw value is the body's `type`.
    enum Kind: String, Sendable {
        case missing
        case jsonInvalid = "json_invalid"
        case modelAttributesType = "model_attributes_type"
        case tooLong = "too_long"
        case unsupportedMediaType = "unsupported_media_type"
        case finiteNumber = "finite_number"
        case floatParsing = "float_parsing"
        case floatType = "float_type"
        case intFromFloat = "int_from_float"
        case intParsing = "int_parsing"
        case intParsingSize = "int_parsing_size"
        case intType = "int_type"
        case boolParsing = "bool_parsing"
        case lessThanEqual = "less_than_equal"
        case datetimeFromDateParsing = "datetime_from_date_parsing"
        case datetimeParsing = "datetime_parsing"
        case datetimeType = "datetime_type"
    }

    var type: Kind
    var loc: Location
    var msg: String
    /// `ctx.error` for JSON syntax errors.
    var context: String? = nil
    /// The item's position when the body is a batch (an array of transactions).
    var index: Int? = nil

    /// One line for protocols whose errors are a message: `row 3, tx_amount: Field required`.
    var summary: String {
        let row = index.map { "row \($0)" }
        let place: String? = switch loc {
        case .body: nil
        case .field(let name): name
        case .offset(let n): "at byte \(n)"
        case .header(let name): "header \(name)"
        }
        return [row, place].compactMap { $0 }.joined(separator: ", ") + (row == nil && place == nil ? "" : ": ") + msg
    }

    static func missing(_ field: String) -> ValidationError {
        ValidationError(type: .missing, loc: .field(field), msg: "Field required")
    }

    /// `{"detail": [...]}`; with more errors than `limit`, the first `limit` and
    /// `"errors_total": N`, so a large invalid batch cannot make a larger error body.
    static func write(_ errors: [ValidationError], limit: Int = .max, into w: inout JSONWriter) {
        w.raw("{\"detail\":[")
        for (i, e) in errors.prefix(limit).enumerated() {
            if i > 0 { w.raw(",") }
            w.member("{\"type\":", e.type.rawValue)
            w.raw(",\"loc\":[")
            switch e.loc {
            case .body:
                w.raw("\"body\"")
                if let i = e.index { w.raw(","); w.int(Int64(i)) }
            case .field(let name):
                w.raw("\"body\",")
                if let i = e.index { w.int(Int64(i)); w.raw(",") }
                w.string(name)
            case .offset(let n): w.raw("\"body\","); w.int(Int64(n))
            case .header(let name): w.raw("\"header\","); w.string(name)
            }
            w.member("],\"msg\":", e.msg)
            if let c = e.context {
                w.member(",\"input\":{},\"ctx\":{\"error\":", c)
                w.raw("}")
            }
            w.raw("}")
        }
        w.raw("]")
        if errors.count > limit {
            w.raw(",\"errors_total\":")
            w.int(Int64(errors.count))
        }
        w.raw("}")
    }
}
