/// Where the model comes from: `--model` as the user wrote it.
public enum ModelURI: Sendable, Equatable, CustomStringConvertible {
    /// A local file or folder.
    case local(String)
    /// `s3://bucket/prefix` (prefix may be empty, a folder ending in `/`, or one object's key).
    case s3(bucket: String, key: String)
    /// `http(s)://…`: a model file, or a folder (ending in `/`) holding `manifest.json`.
    case http(String)

    public init(_ text: String) throws(StorageError) {
        if text.hasPrefix("s3://") {
            let rest = text.dropFirst(5)
            let bucket = rest.prefix(while: { $0 != "/" })
            guard !bucket.isEmpty else { throw .configuration("--model \(text): an s3:// URI needs a bucket, e.g. s3://models/fraud/") }
            self = .s3(bucket: String(bucket), key: String(rest.dropFirst(bucket.count + 1)))
        } else if text.hasPrefix("https://") || text.hasPrefix("http://") {
            self = .http(text)
        } else if text.contains("://") {
            throw .configuration("--model \(text): unsupported scheme; use a path, s3://bucket/prefix/ or https://…")
        } else {
            self = .local(text)
        }
    }

    public var isRemote: Bool {
        if case .local = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .local(let p): p
        case .s3(let b, let k): "s3://\(b)/\(k)"
        case .http(let u): u
        }
    }
}
