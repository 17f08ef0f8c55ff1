import Support
#if canImport(Glibc)
import Glibc
#endif

/// An access key for SigV4. Looked up anew before each request, so rotated Secrets take effect.
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// Static credentials, in order: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
    /// `AWS_SESSION_TOKEN`, or the same names with `_FILE` naming files that hold the values
    /// (Kubernetes Secrets mounted as files); then the shared credentials file. Nil when neither is
    /// configured. `AWSCredentialChain` adds the temporary kinds (web identity, container).
    public static func fromEnvironment(_ env: (String) -> String? = environmentValue) throws(StorageError) -> AWSCredentials? {
        if let fromVariables = try fromVariables(env) { return fromVariables }
        return try fromSharedFile(env)
    }

    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` or their `_FILE` forms.
    static func fromVariables(_ env: (String) -> String?) throws(StorageError) -> AWSCredentials? {
        let key = try variableOrFile("AWS_ACCESS_KEY_ID", env)
        let secret = try variableOrFile("AWS_SECRET_ACCESS_KEY", env)
        switch (key, secret) {
        case let (k?, s?):
            return AWSCredentials(accessKeyID: k, secretAccessKey: s, sessionToken: try variableOrFile("AWS_SESSION_TOKEN", env))
        case (nil, nil): return nil
        default: throw .configuration("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together")
        }
    }

    /// The value of `name`, or the trimmed contents of the file `name_FILE` names.
    static func variableOrFile(_ name: String, _ env: (String) -> String?) throws(StorageError) -> String? {
        if let v = env(name), !v.isEmpty { return v }
        guard let path = env(name + "_FILE"), !path.isEmpty else { return nil }
        guard let bytes = try? FileSystem.readAll(path, limit: 1 << 16) else {
            throw .configuration("\(name)_FILE names \(path), which cannot be read")
        }
        return String(decoding: bytes, as: UTF8.self).trimming(" \t\r\n")
    }

    /// The shared credentials file: `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`,
    /// profile `AWS_PROFILE` or `default`.
    static func fromSharedFile(_ env: (String) -> String?) throws(StorageError) -> AWSCredentials? {
        let path = env("AWS_SHARED_CREDENTIALS_FILE") ?? env("HOME").map { $0 + "/.aws/credentials" }
        guard let path, let bytes = try? FileSystem.readAll(path, limit: 1 << 20) else { return nil }
        let profile = env("AWS_PROFILE") ?? "default"
        let section = iniSection(String(decoding: bytes, as: UTF8.self), named: profile)
        guard let k = section["aws_access_key_id"], let s = section["aws_secret_access_key"] else {
            if env("AWS_PROFILE") != nil {
                throw .configuration("profile \(profile) in \(path) has no aws_access_key_id/aws_secret_access_key")
            }
            return nil
        }
        return AWSCredentials(accessKeyID: k, secretAccessKey: s, sessionToken: section["aws_session_token"])
    }

    static func iniSection(_ text: String, named name: String) -> [String: String] {
        var current: String? = nil
        var out: [String: String] = [:]
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = raw.trimming(" \t\r")
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimming(" \t")
                continue
            }
            guard current == name, let eq = line.firstIndex(of: "=") else { continue }
            out[line[..<eq].trimming(" \t")] = line[line.index(after: eq)...].trimming(" \t")
        }
        return out
    }
}

public func environmentValue(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}
