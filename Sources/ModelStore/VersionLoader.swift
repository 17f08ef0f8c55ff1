import JSON
import Models

/// A version's files, downloaded and verified.
struct FetchedVersion {
    var listing: VersionListing
    var manifest: Manifest?
    var metadata: JSONValue?
    var modelFile: String
    var files: [String: [UInt8]]
    /// sha256 of `files[modelFile]`, computed once while verifying.
    var modelDigest = ""
    /// Set for an MLflow model folder: its flavor's file is `modelFile`.
    var mlflow: MLflowModel?
}

/// The loader (TF Serving's "Loader"): turns a listed version into a `Candidate` the gate can judge.
/// It downloads the version's files from the repository, verifies every one against its manifest
/// (or `model_meta.json`'s sha256) before anything parses it, and loads the model with its names,
/// version, threshold and feature names. Used by the manager's thread only.
struct VersionLoader {
    let repository: ModelRepository
    let config: ModelManagerConfig

    /// Fetches, verifies and loads `listing`.
    func candidate(_ listing: VersionListing, layout: RepositoryScan.Layout) throws(CandidateError) -> Candidate {
        let versioned = layout == .numbered
        let fetched = try fetch(listing, versioned: versioned)
        let manifest = fetched.manifest
        var registered: RegisteredVersion?
        if case .registry(let r) = layout { registered = r }
        let version = switch layout {
        case .numbered: manifest?.modelVersion ?? "\(listing.version)"
        case .single: config.versionOverride ?? manifest?.modelVersion ?? fetched.metadata?["model_version"]?.stringValue
        case .registry(let r): manifest?.modelVersion ?? "\(r.version)"
        }
        var loaded: LoadedModel
        do {
            var hints = FeatureNameHints(preferred: fetched.mlflow?.signatureNames ?? manifest?.features
                                                        ?? fetched.metadata?["features"]?.stringListValue,
                                         fallback: config.features)
            if let names = fetched.files[ModelLoader.featuresFileName] {
                hints.fallback = try ModelLoader.featureNames(names, source: ModelLoader.featuresFileName)
            }
            loaded = try ModelLoader.make(
                fetched.files[fetched.modelFile]!,
                path: repository.path(of: fetched.modelFile, version: versioned ? listing.version : nil),
                digest: fetched.modelDigest,
                name: config.nameOverride ?? manifest?.name ?? fetched.metadata?["name"]?.stringValue ?? registered?.name,
                version: version,
                threshold: manifest?.threshold ?? fetched.metadata?["decision_threshold"]?.doubleValue, format: manifest?.format,
                hints: hints)
        } catch {
            throw CandidateError(.load, "\(error)")
        }
        loaded.info.registered = registered
        let rows = manifest?.validation.flatMap { fetched.files[$0.file] }
        let evaluation = manifest?.evaluation.flatMap { e in fetched.files[e.file].map { (rows: $0, labelKey: e.labelKey) } }
        return Candidate(loaded: loaded, validation: manifest?.validation, validationRows: rows, evaluation: evaluation)
    }

    /// Downloads a version and verifies its files.
    func fetch(_ listing: VersionListing, versioned: Bool) throws(CandidateError) -> FetchedVersion {
        let folder = repository.folder(of: listing, versioned: versioned)
        let names = Set(listing.files.map { String($0.key.dropFirst(folder.count)) })
        if versioned || names.contains(Manifest.fileName) {
            return try fetchManifested(listing, folder: folder)
        }
        return try fetchUnversioned(listing, folder: folder, names: names)
    }

    private var location: String { repository.location }

    /// A version with `manifest.json`: every file it lists, each checked against its sha256.
    private func fetchManifested(_ listing: VersionListing, folder: String) throws(CandidateError) -> FetchedVersion {
        var fetched = FetchedVersion(listing: listing, manifest: nil, metadata: nil, modelFile: "", files: [:])
        let manifest: Manifest
        do {
            manifest = try Manifest(parsing: try repository.read(Manifest.fileName, in: folder))
        } catch let error as CandidateError {
            throw error
        } catch {
            throw CandidateError(.manifest, "\(location) version \(listing.version): \(error)")
        }
        for name in manifest.files.keys.sorted() {
            let bytes = try repository.read(name, in: folder)
            do {
                let digest = try manifest.verify(name, bytes)
                if name == manifest.modelFile { fetched.modelDigest = digest }
            } catch {
                throw CandidateError(.integrity, "\(location) version \(listing.version): \(error)")
            }
            fetched.files[name] = bytes
        }
        fetched.manifest = manifest
        fetched.modelFile = manifest.modelFile
        if let mlmodel = fetched.files[MLflowModel.fileName] {
            let ml = try mlflow(mlmodel, "\(location) version \(listing.version)")
            guard let file = manifest.files[ml.dataFile] else {
                throw CandidateError(.manifest, "\(location) version \(listing.version): MLmodel names \(ml.dataFile), "
                                     + "which manifest.json does not list")
            }
            fetched.mlflow = ml
            fetched.modelFile = ml.dataFile
            fetched.modelDigest = file.sha256.lowercased()
        }
        return fetched
    }

    /// Unversioned without a manifest: the model file, checked against model_meta.json if present.
    private func fetchUnversioned(_ listing: VersionListing, folder: String, names: Set<String>) throws(CandidateError)
        -> FetchedVersion {
        var fetched = FetchedVersion(listing: listing, manifest: nil, metadata: nil, modelFile: "", files: [:])
        if names.contains(ModelLoader.metadataFileName) {
            let metadataBytes = try repository.read(ModelLoader.metadataFileName, in: folder)
            do {
                fetched.metadata = try JSONValue.parse(metadataBytes)
            } catch {
                throw CandidateError(.manifest, "\(ModelLoader.metadataFileName) is not valid JSON: \(error)")
            }
        }
        if names.contains(ModelLoader.featuresFileName) {
            fetched.files[ModelLoader.featuresFileName] = try repository.read(ModelLoader.featuresFileName, in: folder)
        }
        try chooseModelFile(&fetched, folder: folder, names: names)
        let bytes = try repository.read(fetched.modelFile, in: folder)
        fetched.modelDigest = SHA256.hex(bytes)
        if let meta = fetched.metadata, let expected = ModelLoader.expectedDigest(meta, fileName: fetched.modelFile),
           expected.lowercased() != fetched.modelDigest {
            throw CandidateError(.integrity, "\(fetched.modelFile) has sha256 \(fetched.modelDigest) but "
                                 + "\(ModelLoader.metadataFileName) expects \(expected): the file is corrupt or the metadata belongs to another model")
        }
        fetched.files[fetched.modelFile] = bytes
        return fetched
    }

    /// The model file of an unversioned folder: the one the URI names, the one model_meta.json
    /// names, an MLflow flavor's, or the first known file name present.
    private func chooseModelFile(_ fetched: inout FetchedVersion, folder: String, names: Set<String>) throws(CandidateError) {
        if let single = repository.singleFileName {
            fetched.modelFile = single
        } else if let named = fetched.metadata?["file"]?.stringValue {
            fetched.modelFile = named
        } else if names.contains(MLflowModel.fileName) {
            let mlmodel = try repository.read(MLflowModel.fileName, in: folder)
            let ml = try mlflow(mlmodel, location)
            fetched.files[MLflowModel.fileName] = mlmodel
            fetched.mlflow = ml
            fetched.modelFile = ml.dataFile
        } else if let known = ModelLoader.knownFiles.first(where: { names.contains($0) }) {
            fetched.modelFile = known
        } else {
            throw CandidateError(.load, "no model file in \(location): expected one of "
                                 + "\(ModelLoader.knownFiles.joined(separator: ", ")), or a \(ModelLoader.metadataFileName) "
                                 + "naming it in \"file\"")
        }
    }

    private func mlflow(_ bytes: [UInt8], _ place: String) throws(CandidateError) -> MLflowModel {
        do {
            return try MLflowModel(yaml: bytes, source: "\(place)/\(MLflowModel.fileName)")
        } catch {
            throw CandidateError(.load, error.message)
        }
    }
}
