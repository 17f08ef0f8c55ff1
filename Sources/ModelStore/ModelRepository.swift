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
    /// How the source holds its versions.
    public enum Layout: Sendable, Equatable {
        /// Numbered folders, each with `manifest.json`.
        case numbered
        /// One model file or folder: version 1, reloaded when its files change.
        case single
        /// The registry version an alias or a version number names: that version's artifacts.
        case registry(RegisteredVersion)
    }

    /// Versions with a manifest (or the single unversioned model), lowest first.
    public var complete: [VersionListing]
    /// Numbered folders without `manifest.json`: uploads in progress or abandoned; never served.
    public var incomplete: [Int]
    public var layout: Layout

    public var versioned: Bool { layout == .numbered }
}

/// The model source (TF Serving's "Source"): lists the versions under `--model`, reads their files
/// for the `VersionLoader`, and publishes new ones.
///
/// Layouts: numbered folders each holding `manifest.json` and the files it lists
/// (`…/fraud/1/`, `…/fraud/7/`); or, unversioned, one model file or a folder with a model file
/// (and `manifest.json` or `model_meta.json`), which is version 1 and polled for changes.
public final class ModelRepository {
    public let uri: ModelURI
    private(set) var store: any ObjectStore
    /// `models:/…`: the registry, and the artifact stores its versions live in (one per bucket or proxy).
    private let registry: MLflowTrackingServer?
    private var artifactStores: [String: any ObjectStore] = [:]
    private let s3: S3Config
    private let mlflow: MLflowSettings
    /// Key prefix of the repository in the store: "" or ending in "/"; or one object's key.
    private var prefix: String
    /// Set when the URI names one object rather than a folder.
    private var singleKey: String?
    /// http(s): the last answer, reused while the server says 304.
    private var httpCache: (etag: String, bytes: [UInt8])?

    public init(uri: ModelURI, s3: S3Config = S3Config(), transfer: TransferOptions = TransferOptions(),
                mlflow: MLflowSettings = MLflowSettings()) throws(StorageError) {
        self.uri = uri
        var s3 = s3
        s3.transfer = transfer
        self.s3 = s3
        self.mlflow = mlflow
        if case .registry = uri {
            registry = try MLflowTrackingServer(settings: mlflow, transfer: transfer)
        } else {
            registry = nil
        }
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
            store = try S3Store(bucket: bucket, config: s3)
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
        case .registry:
            store = MLflowArtifactStore(server: registry!)
            prefix = ""
        }
    }

    public var location: String { uri.description }

    /// Where a file of a version lives, for messages: `s3://b/fraud/3/model.onnx`, `/models/rf.onnx`.
    func path(of file: String, version: Int?) -> String {
        if singleKey != nil { return location }
        if registry != nil { return store.location + prefix + file }
        let base = location.hasSuffix("/") ? location : location + "/"
        return base + (version.map { "\($0)/" } ?? "") + file
    }

    /// Lists the repository: one ListObjectsV2 (per 1000 keys) on S3, a stat per file locally, one
    /// conditional GET over http(s).
    public func scan() throws(StorageError) -> RepositoryScan {
        if case .http = uri { return try scanHTTP() }
        if case .registry(let name, let selector) = uri, let registry {
            return try scanRegistry(registry, name: name, selector: selector)
        }
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
            return RepositoryScan(complete: [listing(1, objects)], incomplete: [], layout: .single)
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
            return RepositoryScan(complete: [listing(1, topLevel)], incomplete: [], layout: .single)
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
        return RepositoryScan(complete: complete, incomplete: incomplete, layout: .numbered)
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
        return RepositoryScan(complete: [listing(1, [object])], incomplete: [], layout: .single)
    }

    /// Resolves the alias (or version) and lists that version's artifacts wherever MLflow put them.
    private func scanRegistry(_ registry: MLflowTrackingServer, name: String, selector: RegistrySelector)
        throws(StorageError) -> RepositoryScan {
        let registered = try registry.resolve(name: name, selector: selector)
        (store, prefix) = try artifactLocation(registered.artifactURI, registry: registry)
        let files = try store.list(prefix: prefix).filter { $0.key.hasPrefix(prefix) }
        guard !files.isEmpty else {
            throw .notFound("version \(registered.version) of \(name) has no files at \(registered.artifactURI)")
        }
        var found = listing(registered.version, files)
        found.fingerprint = registered.artifactURI + ";" + found.fingerprint
        return RepositoryScan(complete: [found], incomplete: [], layout: .registry(registered))
    }

    /// The store and key prefix of an MLflow artifact URI.
    private func artifactLocation(_ uri: String, registry: MLflowTrackingServer) throws(StorageError)
        -> (any ObjectStore, String) {
        func folder(_ key: Substring) -> String {
            let k = key.drop(while: { $0 == "/" })
            return k.isEmpty || k.hasSuffix("/") ? String(k) : k + "/"
        }
        if uri.hasPrefix("s3://") {
            let rest = uri.dropFirst(5)
            let bucket = String(rest.prefix(while: { $0 != "/" }))
            if artifactStores["s3://" + bucket] == nil {
                var config = s3
                if let endpoint = mlflow.s3Endpoint { config.endpoint = endpoint }
                artifactStores["s3://" + bucket] = try S3Store(bucket: bucket, config: config)
            }
            return (artifactStores["s3://" + bucket]!, folder(rest.dropFirst(bucket.count)))
        }
        if uri.hasPrefix("mlflow-artifacts:") {
            // mlflow-artifacts:/path goes to the tracking server itself; mlflow-artifacts://host:port/path
            // (a server that names itself) is reached at the tracking server too: it is the same proxy.
            var path = uri.dropFirst("mlflow-artifacts:".count)
            if path.hasPrefix("//") { path = path.dropFirst(2).drop(while: { $0 != "/" }) }
            return (MLflowArtifactStore(server: registry), folder(path))
        }
        if uri.hasPrefix("file://") || uri.hasPrefix("/") {
            let path = uri.hasPrefix("file://") ? String(uri.dropFirst("file://".count)) : uri
            return (LocalStore(root: path), "")
        }
        throw .configuration("the registry keeps this version's artifacts at \(uri); fraudscore reads s3://, "
                             + "mlflow-artifacts:/ (the tracking server's proxy) and local paths")
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
        if case .registry = uri { throw .configuration("cannot publish to \(location): log the model to MLflow instead") }
        let folder = prefix + "\(version)/"
        if (try? store.list(prefix: folder + Manifest.fileName))?.contains(where: { $0.key == folder + Manifest.fileName }) == true {
            throw .configuration("version \(version) already exists in \(location); versions are immutable, publish a new one")
        }
        for name in files.keys.sorted() { try store.put(folder + name, files[name]!) }
        try store.put(folder + Manifest.fileName, manifest.encoded())
    }
}
