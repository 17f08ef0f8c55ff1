import HTTPServer
import Logging
import Support
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Checks the TLS certificate files every `reloadCheckMs` on its own thread and logs each reload, or
/// each change that cannot serve (the current certificate then stays), until stopped.
final class CertificateWatcher: Sendable {
    private let certificates: TLSCertificates
    private let stopping = Mutex(false)
    private let wake: WakeSignal

    init(_ certificates: TLSCertificates) throws(SystemError) {
        self.certificates = certificates
        wake = try WakeSignal()
    }

    func run() {
        let log = Logger(label: "fraudscore.tls")
        while !stopping.withLock({ $0 }) {
            wake.wait(timeoutMs: certificates.settings.reloadCheckMs)
            switch certificates.reloadIfChanged() {
            case .unchanged:
                break
            case .reloaded(let context):
                log.info("tls certificate reloaded", metadata: ["certificate_subject": "\(context.subject)",
                                                               "certificate_sha256": "\(context.fingerprint)"])
            case .failed(let error):
                log.error("tls certificate change not loaded; still serving the previous one",
                          metadata: ["error": "\(error)"])
            }
        }
    }

    func stop() {
        stopping.withLock { $0 = true }
        wake.signal()
    }
}
