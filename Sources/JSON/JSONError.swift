/// Why a JSON text could not be read, with Python's `json` wording (FastAPI shows these to clients).
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// Byte offset into the document where reading stopped.
    public var offset: Int

    public init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message): char \(offset)" }
}
