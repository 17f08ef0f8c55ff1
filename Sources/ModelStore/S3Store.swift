/// How an S3 store is reached.
public struct S3Config: Sendable {
    public enum Addressing: String, Sendable {
        /// `https://endpoint/bucket/key`: MinIO, moto, most self-hosted servers.
        case path
        /// `https://bucket.endpoint/key`: AWS's default.
        case virtual
    }

    public var region = "us-east-1"
    /// e.g. `http://minio:9000` or `https://storage.yandexcloud.net`; nil = AWS for the region.
    public var endpoint: String?
    /// nil = path style with a custom endpoint, virtual-hosted with AWS.
    public var addressing: Addressing?
    public var transfer = TransferOptions()
    /// Credentials are looked up before every request (`AWSCredentialChain` keeps temporary ones
    /// until they are due for renewal); nil = unsigned (public buckets).
    public var credentials: @Sendable () throws(StorageError) -> AWSCredentials? = { () throws(StorageError) in
        try AWSCredentialChain.standard.credentials()
    }

    public init() {}
}

/// A bucket in S3 or an S3-compatible store, signed with SigV4 by libcurl.
public final class S3Store: ObjectStore {
    public let bucket: String
    let config: S3Config
    private let session: CurlSession
    /// Scheme, host and (path style) bucket; keys follow after a "/".
    let base: String

    public var location: String { "s3://\(bucket)/" }

    public init(bucket: String, config: S3Config) throws(StorageError) {
        guard !bucket.isEmpty, !bucket.contains("/") else { throw .configuration("invalid S3 bucket name '\(bucket)'") }
        self.bucket = bucket
        self.config = config
        session = CurlSession(options: config.transfer)
        var endpoint = config.endpoint ?? "https://s3.\(config.region).amazonaws.com"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") else {
            throw .configuration("S3 endpoint must start with http:// or https://, got '\(endpoint)'")
        }
        switch config.addressing ?? (config.endpoint == nil ? .virtual : .path) {
        case .path:
            base = endpoint + "/" + AWSEncoding.uri(bucket)
        case .virtual:
            let schemeEnd = endpoint.firstIndex(of: "/")!
            let scheme = endpoint[..<schemeEnd]
            let host = endpoint[schemeEnd...].dropFirst(2)
            base = "\(scheme)//\(bucket).\(host)"
        }
    }

    public func list(prefix: String) throws(StorageError) -> [StoredObject] {
        var out: [StoredObject] = []
        var token: String? = nil
        repeat {
            // Parameters in canonical (sorted) order and encoding, as SigV4 signs them.
            var query: [(String, String)] = []
            if let token { query.append(("continuation-token", token)) }
            query.append(("list-type", "2"))
            query.append(("max-keys", "1000"))
            query.append(("prefix", prefix))
            let qs = query.map { "\($0.0)=\(AWSEncoding.uri($0.1, keepSlash: false))" }.joined(separator: "&")
            let result = try request("GET", base + "/?" + qs, what: "list \(location)\(prefix)")
            let xml = result.body[...]
            for item in S3XML.elements("Contents", in: xml) {
                guard let key = S3XML.text("Key", in: item), let size = S3XML.text("Size", in: item).flatMap({ Int($0) }) else {
                    throw .invalidResponse("a ListObjectsV2 entry without Key or Size")
                }
                out.append(StoredObject(key: key, size: size, etag: S3XML.text("ETag", in: item) ?? ""))
            }
            let truncated = S3XML.text("IsTruncated", in: xml) == "true"
            token = truncated ? S3XML.text("NextContinuationToken", in: xml) : nil
            if truncated && token == nil { throw .invalidResponse("IsTruncated without NextContinuationToken") }
        } while token != nil
        return out
    }

    public func get(_ key: String, ifNoneMatch: String?) throws(StorageError) -> FetchedObject {
        let headers = ifNoneMatch.map { ["If-None-Match: \($0)"] } ?? []
        let result = try request("GET", base + "/" + AWSEncoding.uri(key), headers: headers, what: "get \(location)\(key)")
        if result.status == 304 { return .notModified }
        try checkLength(result, key: key)
        return .object(bytes: result.body, etag: result.header("etag") ?? "")
    }

    public func put(_ key: String, _ bytes: [UInt8]) throws(StorageError) {
        _ = try request("PUT", base + "/" + AWSEncoding.uri(key), body: bytes, what: "put \(location)\(key)")
    }

    private func request(_ method: String, _ url: String, headers: [String] = [], body: [UInt8]? = nil,
                         what: String) throws(StorageError) -> TransferResult {
        let sign = try config.credentials().map { SigV4(region: config.region, credentials: $0) }
        let result = try session.perform(method: method, url: url, headers: headers, body: body, sign: sign)
        switch result.status {
        case 200..<300, 304: return result
        default:
            let xml = result.body[...]
            let code = S3XML.text("Code", in: xml) ?? "HTTP\(result.status)"
            let message = (S3XML.text("Message", in: xml) ?? "no error document") + " (\(what))"
            throw .http(status: result.status, code: code, message: result.status == 404 ? what : message)
        }
    }
}

/// Refuses a body shorter than the Content-Length the server announced.
func checkLength(_ result: TransferResult, key: String) throws(StorageError) {
    if let announced = result.header("content-length").flatMap({ Int($0) }), announced != result.body.count {
        throw .transfer("\(key): received \(result.body.count) of \(announced) bytes")
    }
}
