/// An object in a store, named relative to the store's root.
public struct StoredObject: Sendable, Equatable {
    public var key: String
    public var size: Int
    /// Changes whenever the content changes (S3's ETag; size and mtime for local files).
    public var etag: String

    public init(key: String, size: Int, etag: String) {
        self.key = key
        self.size = size
        self.etag = etag
    }
}

/// The answer to a conditional GET.
public enum FetchedObject: Sendable {
    case notModified
    case object(bytes: [UInt8], etag: String)
}

/// Where model versions live: a local folder, an S3 bucket, an https server. Used by one thread at
/// a time (the model manager's, or a CLI command's).
public protocol ObjectStore: AnyObject {
    /// Human-readable location, e.g. `s3://bucket/prefix/`; never contains credentials.
    var location: String { get }
    /// Every object whose key starts with `prefix`, all pages.
    func list(prefix: String) throws(StorageError) -> [StoredObject]
    /// The object's bytes, or `.notModified` when its ETag still equals `ifNoneMatch`.
    func get(_ key: String, ifNoneMatch: String?) throws(StorageError) -> FetchedObject
    func put(_ key: String, _ bytes: [UInt8]) throws(StorageError)
}

extension ObjectStore {
    /// The object's bytes (no conditional request).
    public func get(_ key: String) throws(StorageError) -> [UInt8] {
        switch try get(key, ifNoneMatch: nil) {
        case .object(let bytes, _): return bytes
        case .notModified: throw .invalidResponse("304 Not Modified for an unconditional GET of \(key)")
        }
    }
}
