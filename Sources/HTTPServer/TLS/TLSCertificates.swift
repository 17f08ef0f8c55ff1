import Synchronization
import Support
#if canImport(Glibc)
import Glibc
#endif

/// The certificate new TLS connections get, reloaded when its files change on disk.
///
/// cert-manager and Kubernetes Secret volumes rotate a certificate by swapping a symlink, so the
/// files are compared by what `stat` follows the links to (device, inode, size, mtime). A change
/// that does not load (say the certificate arrived before its key) keeps the current context and
/// is tried again at the next change. Connections keep the context they were made with.
public final class TLSCertificates: Sendable {
    public enum Reload: Sendable {
        case unchanged
        case reloaded(TLSContext)
        case failed(TLSError)
    }

    public let settings: TLSSettings
    private let state: Mutex<(context: TLSContext, files: [FileStamp])>

    /// Loads the files once; throws `TLSError` with OpenSSL's reason when they cannot serve.
    public init(settings: TLSSettings) throws {
        self.settings = settings
        let files = TLSCertificates.stamps(settings)
        let context = try TLSContext(certificatePath: settings.certificatePath, keyPath: settings.keyPath)
        state = Mutex((context, files))
    }

    /// The context for a new connection.
    public var current: TLSContext { state.withLock { $0.context } }

    /// Reloads the files if they changed since the last look.
    public func reloadIfChanged() -> Reload {
        let files = TLSCertificates.stamps(settings)
        guard state.withLock({ $0.files }) != files else { return .unchanged }
        do {
            let context = try TLSContext(certificatePath: settings.certificatePath, keyPath: settings.keyPath)
            state.withLock { $0 = (context, files) }
            return .reloaded(context)
        } catch let error as TLSError {
            state.withLock { $0.files = files }
            return .failed(error)
        } catch {
            state.withLock { $0.files = files }
            return .failed(TLSError("\(error)"))
        }
    }

    struct FileStamp: Equatable, Sendable {
        var device: UInt64 = 0, inode: UInt64 = 0, size: Int64 = 0, seconds: Int = 0, nanoseconds: Int = 0
    }

    private static func stamps(_ settings: TLSSettings) -> [FileStamp] {
        [settings.certificatePath, settings.keyPath].map { path in
            guard let st = Sys.fileStatus(path) else { return FileStamp() }
            return FileStamp(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                             seconds: st.st_mtim.tv_sec, nanoseconds: st.st_mtim.tv_nsec)
        }
    }
}
