import CCurl
import Support
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP exchange's answer.
struct TransferResult {
    var status: Int
    /// Header names in lower case.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.last(where: { $0.name == name })?.value }
}

/// AWS Signature V4 parameters for a request; curl computes the signature.
struct SigV4 {
    var region: String
    var service = "s3"
    var credentials: AWSCredentials
}

/// Timeouts, TLS trust and size limits of every transfer.
public struct TransferOptions: Sendable {
    public var connectTimeoutMs = 3_000
    /// Whole transfer, including the body.
    public var timeoutMs = 60_000
    /// A PEM bundle of CA certificates for https endpoints (default: the system's).
    public var caBundle: String?
    /// Larger answers are refused.
    public var maxBytes = 1 << 30
    /// https without checking the server's certificate (`MLFLOW_TRACKING_INSECURE_TLS`); off by default.
    public var insecureTLS = false

    public init() {}
}

/// A libcurl easy handle, reused for every request of one thread (connections are kept alive).
/// Not thread-safe: owned by the model manager's thread or a CLI command.
final class CurlSession {
    private let handle: UnsafeMutableRawPointer
    let options: TransferOptions

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    init(options: TransferOptions) {
        _ = Self.globalInit
        guard let h = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        handle = h
        self.options = options
    }

    deinit { curl_easy_cleanup(handle) }

    /// Performs one request; throws only when no HTTP answer arrived (or it was cut short).
    func perform(method: String, url: String, headers: [String] = [], body: [UInt8]? = nil,
                 sign: SigV4? = nil) throws(StorageError) -> TransferResult {
        curl_easy_reset(handle)
        let sink = TransferSink(limit: options.maxBytes, upload: body ?? [])
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var list: UnsafeMutablePointer<curl_slist>? = nil
        var allHeaders = headers
        if let sign {
            // curl 7.88 signs S3 requests only with this header present (DESIGN.md §2).
            allHeaders.append("x-amz-content-sha256: UNSIGNED-PAYLOAD")
            if let token = sign.credentials.sessionToken { allHeaders.append("x-amz-security-token: \(token)") }
        }
        for h in allHeaders { list = curl_slist_append(list, h) }
        defer { curl_slist_free_all(list) }

        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorPtr in
            set(CURLOPT_URL, url)
            ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            ccurl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
            ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMs)
            ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, options.timeoutMs)
            ccurl_setopt_offset(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(options.maxBytes))
            if let ca = options.caBundle { set(CURLOPT_CAINFO, ca) }
            if options.insecureTLS {
                ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0)
                ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0)
            }
            ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorPtr.baseAddress)
            ccurl_setopt_list(handle, CURLOPT_HTTPHEADER, list)
            ccurl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, transferWrite)
            ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer)
            ccurl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, transferHeader)
            ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer)
            switch method {
            case "GET": break
            case "HEAD": ccurl_setopt_long(handle, CURLOPT_NOBODY, 1)
            case "PUT":
                ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1)
                ccurl_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(sink.upload.count))
                ccurl_setopt_callback(handle, CURLOPT_READFUNCTION, transferRead)
                ccurl_setopt_pointer(handle, CURLOPT_READDATA, sinkPointer)
            case "POST":
                ccurl_setopt_long(handle, CURLOPT_POST, 1)
                ccurl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(sink.upload.count))
                ccurl_setopt_callback(handle, CURLOPT_READFUNCTION, transferRead)
                ccurl_setopt_pointer(handle, CURLOPT_READDATA, sinkPointer)
            default: set(CURLOPT_CUSTOMREQUEST, method)
            }
            if let sign {
                set(CURLOPT_AWS_SIGV4, "aws:amz:\(sign.region):\(sign.service)")
                set(CURLOPT_USERNAME, sign.credentials.accessKeyID)
                set(CURLOPT_PASSWORD, sign.credentials.secretAccessKey)
            }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            switch code {
            case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT,
                 CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_COULDNT_RESOLVE_PROXY,
                 CURLE_SEND_ERROR, CURLE_GOT_NOTHING:
                throw .unreachable("\(text) (\(method) \(url))")
            case CURLE_FILESIZE_EXCEEDED, CURLE_WRITE_ERROR:
                throw .transfer("\(url) is larger than the limit of \(options.maxBytes) bytes")
            default:
                throw .transfer("\(text) (\(method) \(url))")
            }
        }
        var status = 0
        ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return TransferResult(status: status, headers: sink.headers, body: sink.body)
    }

    @discardableResult
    private func set(_ option: CURLoption, _ value: String) -> CURLcode {
        ccurl_setopt_string(handle, option, value)  // curl copies string options
    }
}

/// The buffers one transfer reads from and writes into; reached from curl's C callbacks.
private final class TransferSink {
    let limit: Int
    let upload: [UInt8]
    var uploaded = 0
    var body: [UInt8] = []
    var headers: [(name: String, value: String)] = []

    init(limit: Int, upload: [UInt8]) {
        self.limit = limit
        self.upload = upload
    }
}

private func transferWrite(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                           _ user: UnsafeMutableRawPointer?) -> Int {
    let sink = Unmanaged<TransferSink>.fromOpaque(user!).takeUnretainedValue()
    let n = size * count
    guard sink.body.count + n <= sink.limit else { return 0 }  // curl reports CURLE_WRITE_ERROR
    if let buffer {
        buffer.withMemoryRebound(to: UInt8.self, capacity: n) {
            sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n))
        }
    }
    return n
}

private func transferHeader(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                            _ user: UnsafeMutableRawPointer?) -> Int {
    let sink = Unmanaged<TransferSink>.fromOpaque(user!).takeUnretainedValue()
    let n = size * count
    guard let buffer else { return n }
    let line = buffer.withMemoryRebound(to: UInt8.self, capacity: n) {
        String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
    }
    if line.hasPrefix("HTTP/") {
        sink.headers.removeAll()  // a new response (after 100 Continue or a redirect)
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimming(" \t\r\n")
        sink.headers.append((name, value))
    }
    return n
}

private func transferRead(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                          _ user: UnsafeMutableRawPointer?) -> Int {
    let sink = Unmanaged<TransferSink>.fromOpaque(user!).takeUnretainedValue()
    let n = min(size * count, sink.upload.count - sink.uploaded)
    guard n > 0, let buffer else { return 0 }
    sink.upload.withUnsafeBytes { src in
        UnsafeMutableRawPointer(buffer).copyMemory(from: src.baseAddress! + sink.uploaded, byteCount: n)
    }
    sink.uploaded += n
    return n
}
