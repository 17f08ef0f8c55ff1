/// Literal syntax and serialisation, for documents the server builds (e.g. its OpenAPI description).
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(double: Double(value), int64: Int64(value))) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(double: value, int64: nil)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements) }
    public init(nilLiteral: ()) { self = .null }

    /// Writes the value as compact JSON, members in order.
    public func write(into w: inout JSONWriter) {
        switch self {
        case .null: w.null()
        case .bool(let b): w.bool(b)
        case .number(let n): if let i = n.int64 { w.int(i) } else { w.double(n.double) }
        case .string(let s): w.string(s)
        case .array(let items):
            w.raw("[")
            for (i, item) in items.enumerated() {
                if i > 0 { w.raw(",") }
                item.write(into: &w)
            }
            w.raw("]")
        case .object(let members):
            w.raw("{")
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { w.raw(",") }
                w.string(key)
                w.raw(":")
                value.write(into: &w)
            }
            w.raw("}")
        }
    }
}
