#if canImport(Glibc)
import Glibc
#endif

/// One model file or a folder with a `manifest.json` on a web server (no listing): polled with
/// If-None-Match.
public final class HTTPStore: ObjectStore {
    public let base: String
    private let session: CurlSession

    public var location: String { base }

    public init(base: String, transfer: TransferOptions) {
        self.base = base
        session = CurlSession(options: transfer)
    }

    public func list(prefix: String) throws(StorageError) -> [StoredObject] {
        throw .configuration("\(base) is an http(s) source, which cannot be listed: point at a file or a folder with manifest.json")
    }

    public func get(_ key: String, ifNoneMatch: String?) throws(StorageError) -> FetchedObject {
        let url = key.isEmpty ? base : base + AWSEncoding.uri(key)
        let headers = ifNoneMatch.map { ["If-None-Match: \($0)"] } ?? []
        let result = try session.perform(method: "GET", url: url, headers: headers)
        switch result.status {
        case 304: return .notModified
        case 200..<300:
            try checkLength(result, key: url)
            return .object(bytes: result.body, etag: result.header("etag") ?? result.header("last-modified") ?? "")
        default: throw .http(status: result.status, code: "HTTP\(result.status)", message: url)
        }
    }

    public func put(_ key: String, _ bytes: [UInt8]) throws(StorageError) {
        throw .configuration("cannot publish to \(base): http(s) sources are read-only; use s3:// or a folder")
    }
}
