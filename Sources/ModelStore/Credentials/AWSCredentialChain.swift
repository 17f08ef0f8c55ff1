import Logging
import Support
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The AWS credential chain, in the SDKs' order: static keys in the environment (or `_FILE`
/// variants); web identity (`AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, EKS IRSA); the shared
/// credentials file; container credentials (EKS Pod Identity, ECS). Temporary credentials are kept
/// until shortly before they expire (see `TemporaryCredentials.refreshAt`); a refresh that fails
/// keeps the ones in hand while they are valid, and once they have expired the failure is the
/// storage error the model manager reports (the serving model stays).
public final class AWSCredentialChain: Sendable {
    /// The process's chain, over its environment.
    public static let standard = AWSCredentialChain()

    private let env: @Sendable (String) -> String?
    private let clock: @Sendable () -> Int
    private let transfer: TransferOptions
    private let cache = Mutex<TemporaryCredentials?>(nil)
    private let logger = Logger(label: "fraudscore.credentials")

    public init(env: @escaping @Sendable (String) -> String? = environmentValue,
                clock: @escaping @Sendable () -> Int = { Int(time(nil)) }) {
        self.env = env
        self.clock = clock
        var t = TransferOptions()
        t.timeoutMs = 10_000
        t.maxBytes = 1 << 20
        t.caBundle = env("AWS_CA_BUNDLE")
        transfer = t
    }

    /// Nil when nothing is configured: requests go unsigned (public buckets).
    public func credentials() throws(StorageError) -> AWSCredentials? {
        if let variables = try AWSCredentials.fromVariables(env) { return variables }
        if let webIdentity = try WebIdentityCredentials(env) {
            return try temporary { session, now throws(StorageError) in try webIdentity.fetch(session, now: now) }
        }
        if let file = try AWSCredentials.fromSharedFile(env) { return file }
        if let container = try ContainerCredentials(env) {
            return try temporary { session, now throws(StorageError) in try container.fetch(session, now: now) }
        }
        return nil
    }

    private func temporary(_ fetch: (CurlSession, Int) throws(StorageError) -> TemporaryCredentials) throws(StorageError) -> AWSCredentials {
        let now = clock()
        let held = cache.withLock { $0 }
        if let held, now < held.refreshAt { return held.credentials }
        do {
            let fresh = try fetch(CurlSession(options: transfer), now)
            cache.withLock { $0 = fresh }
            return fresh.credentials
        } catch {
            guard let held, !held.isExpired(at: now) else { throw error }
            logger.warning("credential refresh failed; the current credentials stay in use until they expire",
                           metadata: ["error": "\(error)", "expires_at": "\(UTCTime.iso8601(held.expiresAt))"])
            return held.credentials
        }
    }
}
