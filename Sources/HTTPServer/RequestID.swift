import Support

/// A request's id: the client's `X-Request-Id` when it sent a sane one, else a fresh 64-bit number
/// written as 16 hex digits. Kept as its parts so that no String is made unless someone asks.
public struct RequestID: Sendable, Equatable, CustomStringConvertible {
    /// Empty when the client sent none.
    public var client: String = ""
    public var generated: UInt64 = 0

    public init(client: String = "", generated: UInt64 = 0) {
        self.client = client
        self.generated = generated
    }

    public var description: String {
        client.isEmpty ? Hex.string(withUnsafeBytes(of: generated.bigEndian) { Array($0) }) : client
    }
}
