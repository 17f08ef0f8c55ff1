import Support
#if canImport(Glibc)
import Glibc
#endif

/// A folder on local disk (or a mounted volume) as an object store; ETags are size, mtime and inode,
/// so polling costs a stat per file.
public final class LocalStore: ObjectStore {
    public let root: String

    public var location: String { root.hasSuffix("/") ? root : root + "/" }

    public init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    public func list(prefix: String) throws(StorageError) -> [StoredObject] {
        guard FileSystem.isDirectory(root) else {
            throw .notFound(FileSystem.exists(root) ? "\(root) is not a folder" : "cannot open \(root): no such file or folder")
        }
        var out: [StoredObject] = []
        try walk("", into: &out)
        return out.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }
    }

    private func walk(_ relative: String, into out: inout [StoredObject]) throws(StorageError) {
        let path = relative.isEmpty ? root : root + "/" + relative
        guard FileSystem.isDirectory(path) else { throw .unreachable("cannot open \(path)") }
        for name in Sys.listNames(path).sorted() where !name.hasPrefix(".") {  // dot files: temporaries
            let key = relative.isEmpty ? name : relative + "/" + name
            let full = root + "/" + key
            if FileSystem.isDirectory(full) {
                try walk(key, into: &out)
            } else if let (size, etag) = Self.stamp(full) {
                out.append(StoredObject(key: key, size: size, etag: etag))
            }
        }
    }

    static func stamp(_ path: String) -> (Int, String)? {
        guard let st = Sys.fileStatus(path) else { return nil }
        return (Int(st.st_size), "\"\(st.st_size)-\(st.st_mtim.tv_sec)\(st.st_mtim.tv_nsec)-\(st.st_ino)\"")
    }

    public func get(_ key: String, ifNoneMatch: String?) throws(StorageError) -> FetchedObject {
        let path = root + "/" + key
        guard let (_, etag) = Self.stamp(path) else { throw .notFound(path) }
        if etag == ifNoneMatch { return .notModified }
        do {
            return .object(bytes: try FileSystem.readAll(path), etag: etag)
        } catch {
            throw .transfer("\(error)")
        }
    }

    public func put(_ key: String, _ bytes: [UInt8]) throws(StorageError) {
        let path = root + "/" + key
        FileSystem.makeDirectories(FileSystem.directory(of: path))
        do {
            try FileSystem.writeAtomically(path, bytes)
        } catch {
            throw .transfer("\(error)")
        }
    }
}
