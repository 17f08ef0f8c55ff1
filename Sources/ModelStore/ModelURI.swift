/// Where the model comes from: `--model` as the user wrote it.
public enum ModelURI: Sendable, Equatable, CustomStringConvertible {
    /// A local file or folder.
    case local(String)
    /// `s3://bucket/prefix` (prefix may be empty, a folder ending in `/`, or one object's key).
    case s3(bucket: String, key: String)
    /// `http(s)://…`: a model file, or a folder (ending in `/`) holding `manifest.json`.
    case http(String)
    /// `models:/NAME@ALIAS` or `models:/NAME/VERSION`: a version of a model in the MLflow Model
    /// Registry, found through the tracking server (`MLFLOW_TRACKING_URI`).
    case registry(name: String, selector: RegistrySelector)

    public init(_ text: String) throws(StorageError) {
        if text.hasPrefix("s3://") {
            let rest = text.dropFirst(5)
            let bucket = rest.prefix(while: { $0 != "/" })
            guard !bucket.isEmpty else { throw .configuration("--model \(text): an s3:// URI needs a bucket, e.g. s3://models/fraud/") }
            self = .s3(bucket: String(bucket), key: String(rest.dropFirst(bucket.count + 1)))
        } else if text.hasPrefix("models:/") {
            self = try Self.registry(text)
        } else if text.hasPrefix("https://") || text.hasPrefix("http://") {
            self = .http(text)
        } else if text.contains("://") {
            throw .configuration("--model \(text): unsupported scheme; use a path, s3://bucket/prefix/, https://… or models:/NAME@ALIAS")
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
        case .registry(let name, .alias(let alias)): "models:/\(name)@\(alias)"
        case .registry(let name, .version(let version)): "models:/\(name)/\(version)"
        }
    }

    private static func registry(_ text: String) throws(StorageError) -> ModelURI {
        let rest = String(text.dropFirst("models:/".count))
        let example = "e.g. models:/fraud@champion (an alias) or models:/fraud/3 (a version)"
        if let at = rest.lastIndex(of: "@") {
            let name = String(rest[..<at]), alias = String(rest[rest.index(after: at)...])
            guard !name.isEmpty, !alias.isEmpty, !name.contains("/") else {
                throw .configuration("--model \(text): expected models:/NAME@ALIAS, \(example)")
            }
            return .registry(name: name, selector: .alias(alias))
        }
        guard let slash = rest.lastIndex(of: "/"), let version = Int(rest[rest.index(after: slash)...]), version > 0,
              slash != rest.startIndex else {
            throw .configuration("--model \(text): name a registered model's alias or version, \(example)")
        }
        return .registry(name: String(rest[..<slash]), selector: .version(version))
    }
}

/// Which version of a registered model: the one an alias points at (followed as it moves), or a
/// fixed version number.
public enum RegistrySelector: Sendable, Equatable {
    case alias(String)
    case version(Int)
}
