import JSON

/// One version as listed in storage: its number and a fingerprint that changes whenever any of its
/// files changes (so a rejected version is retried only when it is republished).
public struct VersionListing: Sendable, Equatable {
    public var version: Int
    public var fingerprint: String
    var files: [StoredObject]
}

/// What a poll found.
public struct RepositoryScan: Sendable, Equatable {
    /// Versions with a manifest (or the single unversioned model), lowest first.
    public var complete: [VersionListing]
    /// Numbered folders without `manifest.json`: uploads in progress or abandoned; never served.
    public var incomplete: [Int]
    public var versioned: Bool
}

/// The model source (TF Serving's "Source"): lists the versions under `--model`, reads their files
/// for the `VersionLoader`, and publishes new ones.
///
/// Layouts: numbered folders each holding `manifest.json` and the files it lists
/// (`…/fraud/1/`, `…/fraud/7/`); or, unversioned, one model file or a folder with a model file
/// (and `manifest.json` or `model_meta.json`), which is version 1 and polled for changes.
public final class ModelRepository {
    public let uri: ModelURI
    let store: any ObjectStore
    /// Key prefix of the repository in the store: "" or ending in "/"; or one object's key.
    private var prefix: String
    /// Set when the URI names one object rather than a folder.
    private var singleKey: String?
    /// http(s): the last answer, reused while the server says 304.
    private var httpCache: (etag: String, bytes: [UInt8])?

    public init(uri: ModelURI, s3: S3Config = S3Config(), transfer: TransferOptions = TransferOptions()) throws(StorageError) {
        self.uri = uri
        switch uri {
        case .local(let path):
            if FileSystem.isDirectory(path) || !FileSystem.exists(path) {
                store = LocalStore(root: path)
                prefix = ""
            } else {
                store = LocalStore(root: FileSystem.directory(of: path))
                prefix = ""
                singleKey = FileSystem.baseName(path)
            }
        case .s3(let bucket, let key):
            var config = s3
            config.transfer = transfer
            store = try S3Store(bucket: bucket, config: config)
            prefix = key
        case .http(let url):
            if url.hasSuffix("/") {
                store = HTTPStore(base: url, transfer: transfer)
                prefix = ""
            } else {
                let slash = url.lastIndex(of: "/")!
                store = HTTPStore(base: String(url[...slash]), transfer: transfer)
                prefix = ""
                singleKey = String(url[url.index(after: slash)...])
            }
        }
    }

    public var location: String { uri.description }

    /// Where a file of a version lives, for messages: `s3://b/fraud/3/model.onnx`, `/models/rf.onnx`.
    func path(of file: String, version: Int?) -> String {
        if singleKey != nil { return location }
        let base = location.hasSuffix("/") ? location : location + "/"
        return base + (version.map { "\($0)/" } ?? "") + file
    }

    /// Lists the repository: one ListObjectsV2 (per 1000 keys) on S3, a stat per file locally, one
    /// conditional GET over http(s).
    public func scan() throws(StorageError) -> RepositoryScan {
        if case .http = uri { return try scanHTTP() }
        // A single model file is listed with its folder, for the metadata files beside it.
        var objects = try store.list(prefix: singleKey.map { sibling(of: $0, "") } ?? prefix)
        if singleKey == nil && !prefix.isEmpty && !prefix.hasSuffix("/") {
            // `s3://b/fraud` names a folder unless an object has exactly that key.
            if let exact = objects.first(where: { $0.key == prefix }) {
                singleKey = exact.key
                objects = try store.list(prefix: sibling(of: exact.key, ""))
            } else {
                prefix += "/"
            }
        }
        if let singleKey {
            let besides = [ModelLoader.metadataFileName, ModelLoader.featuresFileName].map { sibling(of: singleKey, $0) }
            objects = objects.filter { $0.key == singleKey || besides.contains($0.key) }
            guard objects.contains(where: { $0.key == singleKey }) else { throw .notFound("cannot open \(location): it does not exist") }
            return RepositoryScan(complete: [listing(1, objects)], incomplete: [], versioned: false)
        }
        var numbered: [Int: [StoredObject]] = [:]
        var topLevel: [StoredObject] = []
        for object in objects where object.key.hasPrefix(prefix) {
            let relative = object.key.dropFirst(prefix.count)
            let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 1 {
                topLevel.append(object)
            } else if parts.count == 2, let n = Int(parts[0]), n >= 0, parts[0].allSatisfy(\.isNumber) {
                numbered[n, default: []].append(object)
            }
        }
        if numbered.isEmpty {
            guard !topLevel.isEmpty else {
                throw .notFound("no model under \(location): expected numbered version folders (1/, 2/, …) "
                                + "each with manifest.json, or a model file")
            }
            return RepositoryScan(complete: [listing(1, topLevel)], incomplete: [], versioned: false)
        }
        var complete: [VersionListing] = []
        var incomplete: [Int] = []
        for (n, files) in numbered.sorted(by: { $0.key < $1.key }) {
            if files.contains(where: { $0.key.hasSuffix("/" + Manifest.fileName) }) {
                complete.append(listing(n, files))
            } else {
                incomplete.append(n)
            }
        }
        return RepositoryScan(complete: complete, incomplete: incomplete, versioned: true)
    }

    private func listing(_ version: Int, _ files: [StoredObject]) -> VersionListing {
        let sorted = files.sorted { $0.key < $1.key }
        return VersionListing(version: version, fingerprint: sorted.map { "\($0.key)=\($0.etag)" }.joined(separator: ";"),
                              files: sorted)
    }

    private func sibling(of key: String, _ name: String) -> String {
        guard let slash = key.lastIndex(of: "/") else { return name }
        return String(key[...slash]) + name
    }

    private func scanHTTP() throws(StorageError) -> RepositoryScan {
        let key = singleKey ?? Manifest.fileName
        switch try store.get(key, ifNoneMatch: httpCache?.etag) {
        case .notModified: break
        case .object(let bytes, let etag): httpCache = (etag.isEmpty ? SHA256.hex(bytes) : etag, bytes)
        }
        let object = StoredObject(key: key, size: httpCache!.bytes.count, etag: httpCache!.etag)
        return RepositoryScan(complete: [listing(1, [object])], incomplete: [], versioned: false)
    }

    /// The folder (key prefix) that holds a listed version's files.
    func folder(of listing: VersionListing, versioned: Bool) -> String {
        if versioned { return prefix + "\(listing.version)/" }
        if let singleKey { return sibling(of: singleKey, "") }
        return prefix
    }

    /// The single model file's name when the URI names one object rather than a folder.
    var singleFileName: String? {
        guard let singleKey else { return nil }
        return FileSystem.baseName(singleKey)
    }

    /// One file of a version, as stored: over http(s) the answer the last scan already holds.
    func read(_ name: String, in folder: String) throws(CandidateError) -> [UInt8] {
        if case .http = uri, let cache = httpCache, name == (singleKey ?? Manifest.fileName) { return cache.bytes }
        do {
            return try store.get(folder + name)
        } catch .notFound(let what) {
            throw CandidateError(.integrity, "\(name) is listed but missing from storage (\(what))")
        } catch {
            throw CandidateError(.storage, "\(error)")
        }
    }

    // MARK: - Publishing

    /// The number after every version folder present, complete or not (1 for an empty repository).
    public func nextVersion() throws(StorageError) -> Int {
        let found: RepositoryScan
        do {
            found = try scan()
        } catch .notFound {
            if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
            return 1
        }
        guard found.versioned else {
            throw .configuration("\(location) holds an unversioned model; publish into an empty prefix or one with numbered versions")
        }
        return ((found.complete.map(\.version) + found.incomplete).max() ?? 0) + 1
    }

    /// Uploads `files` as `version`, then its manifest: until the manifest lands, pollers ignore the
    /// version, so readers never see it half-uploaded.
    public func publish(version: Int, files: [String: [UInt8]], manifest: Manifest) throws(StorageError) {
        if case .http = uri { throw .configuration("cannot publish to \(location): http(s) sources are read-only") }
        let folder = prefix + "\(version)/"
        if (try? store.list(prefix: folder + Manifest.fileName))?.contains(where: { $0.key == folder + Manifest.fileName }) == true {
            throw .configuration("version \(version) already exists in \(location); versions are immutable, publish a new one")
        }
        for name in files.keys.sorted() { try store.put(folder + name, files[name]!) }
        try store.put(folder + Manifest.fileName, manifest.encoded())
    }
}
