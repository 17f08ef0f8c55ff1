#if canImport(Glibc)
import Glibc
#endif

/// An access key for SigV4. Looked up anew before each poll so rotated Secrets take effect.
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// In order: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`; the same names
    /// with `_FILE` naming files that hold the values (Kubernetes Secrets mounted as files); the
    /// shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`, profile
    /// `AWS_PROFILE` or `default`). Nil when none is configured: requests go unsigned.
    public static func fromEnvironment(_ env: (String) -> String? = environmentValue) throws(StorageError) -> AWSCredentials? {
        func value(_ name: String) throws(StorageError) -> String? {
            if let v = env(name), !v.isEmpty { return v }
            if let path = env(name + "_FILE"), !path.isEmpty {
                guard let bytes = try? FileSystem.readAll(path, limit: 1 << 16) else {
                    throw .configuration("\(name)_FILE names \(path), which cannot be read")
                }
                return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: " \t\r\n")
            }
            return nil
        }
        let key = try value("AWS_ACCESS_KEY_ID")
        let secret = try value("AWS_SECRET_ACCESS_KEY")
        switch (key, secret) {
        case let (k?, s?): return AWSCredentials(accessKeyID: k, secretAccessKey: s, sessionToken: try value("AWS_SESSION_TOKEN"))
        case (nil, nil): break
        default: throw .configuration("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together")
        }
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
            let line = raw.trimmingCharacters(in: " \t\r")
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimmingCharacters(in: " \t")
                continue
            }
            guard current == name, let eq = line.firstIndex(of: "=") else { continue }
            out[line[..<eq].trimmingCharacters(in: " \t")] = line[line.index(after: eq)...].trimmingCharacters(in: " \t")
        }
        return out
    }
}

public func environmentValue(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}
