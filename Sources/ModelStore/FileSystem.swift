import Support
#if canImport(Glibc)
import Glibc
#endif

/// The few file operations model loading needs, without Foundation.
public enum FileSystem {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    public static func readAll(_ path: String, limit: Int = 1 << 30) throws -> [UInt8] {
        let fd: Int32
        do {
            fd = try Sys.open(path, O_RDONLY)
        } catch {
            throw Failure(description: "cannot open \(path): \(error.reason)")
        }
        defer { Sys.close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let read = chunk.withUnsafeMutableBytes { b in Result { () throws(SystemError) in try Sys.read(fd, into: b) } }
            guard case .success(let n) = read else {
                if case .failure(let error) = read { throw Failure(description: "cannot read \(path): \(error.reason)") }
                return out
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
            guard out.count <= limit else { throw Failure(description: "\(path) is larger than \(limit) bytes") }
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        guard let st = Sys.fileStatus(path) else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func exists(_ path: String) -> Bool {
        Sys.fileStatus(path) != nil
    }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

extension FileSystem {
    /// Writes to a temporary name beside `path` and renames it into place, so readers see the whole
    /// file or none of it.
    static func writeAtomically(_ path: String, _ bytes: [UInt8]) throws {
        let temporary = directory(of: path) + "/.tmp-\(getpid())-" + baseName(path)
        do throws(SystemError) {
            let fd = try Sys.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            let written = bytes.withUnsafeBytes { b in Result { () throws(SystemError) in try Sys.writeAll(fd, b) } }
            Sys.close(fd)
            try written.get()
            try Sys.rename(temporary, path)
        } catch {
            try? Sys.unlink(temporary)
            throw Failure(description: "cannot write \(path) (through \(temporary)): \(error.reason)")
        }
    }

    /// Makes `path` and the folders above it; one that cannot be made shows when it is used.
    static func makeDirectories(_ path: String) {
        var folder = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            folder += "/" + part
            try? Sys.mkdir(folder)
        }
    }

    /// Removes a folder and the files in it (one level: cache folders hold files only), as far as it can.
    static func removeFolder(_ path: String) {
        for name in Sys.listNames(path) { try? Sys.unlink(path + "/" + name) }
        _ = try? syscall("rmdir \(path)") { rmdir(path) }
    }
}
