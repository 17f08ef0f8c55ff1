import JSON
import Models
import Support
#if canImport(Glibc)
import Glibc
#endif

/// Loads a model from a local path: a model file, or a folder holding one and its `model_meta.json`.
///
/// `model_meta.json` (optional, beside the file) may give `model_version`, `name`,
/// `decision_threshold`, and the expected sha256 of the file (`sha256`, or `files.<name>.sha256`);
/// a file whose digest differs is refused.
public enum ModelLoader {
    public static let metadataFileName = "model_meta.json"
    /// A JSON list of column names beside a model whose file does not name its inputs (ONNX).
    public static let featuresFileName = "features.json"
    /// File names looked for, in order, when the path is a folder without metadata naming the file.
    static let knownFiles = ["xgb_model.json", "model.json", "xgb_model.ubj", "model.ubj", "model.xgb",
                             "lgbm_model.txt", "model.lgb", "model.txt", "catboost_model.cbm", "model.cbm",
                             "model.cb", "catboost_model.json", "model.onnx"]

    /// `features` (`--features`) names the columns of a model whose file does not, after a
    /// `features.json` beside the file.
    public static func load(path: String, version: String? = nil, features: [String]? = nil) throws -> LoadedModel {
        var filePath = path
        var meta: JSONValue? = nil
        let folder = FileSystem.isDirectory(path) ? path : FileSystem.directory(of: path)
        let metaPath = folder + "/" + metadataFileName
        if FileSystem.exists(metaPath) {
            do {
                meta = try JSONValue.parse(try FileSystem.readAll(metaPath))
            } catch {
                throw ModelError("\(metaPath) is not valid JSON: \(error)")
            }
        }
        var signature: [String]? = nil
        if FileSystem.isDirectory(path) {
            let mlmodelPath = folder + "/" + MLflowModel.fileName
            if let name = meta?["file"]?.stringValue {
                filePath = folder + "/" + name
            } else if FileSystem.exists(mlmodelPath) {
                let ml = try MLflowModel(yaml: try FileSystem.readAll(mlmodelPath, limit: 1 << 22), source: mlmodelPath)
                filePath = folder + "/" + ml.dataFile
                signature = ml.signatureNames
            } else if let name = knownFiles.first(where: { FileSystem.exists(folder + "/" + $0) }) {
                filePath = folder + "/" + name
            } else {
                throw ModelError("no model file in \(path): expected one of \(knownFiles.joined(separator: ", ")), "
                                 + "an MLflow model folder (MLmodel) or a \(metadataFileName) naming it in \"file\"")
            }
        }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readAll(filePath)
        } catch {
            throw ModelError("\(error)")
        }
        let digest = SHA256.hex(bytes)
        let fileName = FileSystem.baseName(filePath)
        if let meta, let expected = expectedDigest(meta, fileName: fileName), expected.lowercased() != digest {
            throw ModelError("\(filePath) has sha256 \(digest) but \(metaPath) expects \(expected): "
                             + "the file is corrupt or the metadata belongs to another model")
        }
        let featuresPath = FileSystem.directory(of: filePath) + "/" + featuresFileName
        var hints = FeatureNameHints(preferred: signature ?? meta?["features"]?.stringListValue, fallback: features)
        if FileSystem.exists(featuresPath) {
            hints.fallback = try featureNames(try FileSystem.readAll(featuresPath, limit: 1 << 22), source: featuresPath)
        }
        return try make(bytes, path: filePath, digest: digest, name: meta?["name"]?.stringValue,
                        version: version ?? meta?["model_version"]?.stringValue,
                        threshold: meta?["decision_threshold"]?.doubleValue, format: nil, hints: hints)
    }

    /// Parses verified model bytes; `path` names them in errors and /health.
    static func make(_ bytes: [UInt8], path: String, digest: String, name: String?, version: String?,
                     threshold: Double?, format expected: ModelFormat?,
                     hints: FeatureNameHints = FeatureNameHints()) throws(ModelError) -> LoadedModel {
        let model: any Model
        let format: ModelFormat
        do {
            if let expected {
                (model, format) = (try expected.load(bytes, hints: hints), expected)
            } else {
                (model, format) = try ModelFormat.loadModel(bytes, hints: hints)
            }
        } catch let error as ModelError {
            throw ModelError("\(path): \(error.message)")
        } catch {
            throw ModelError("\(path): \(error)")
        }
        let fileName = FileSystem.baseName(path)
        let stem = fileName.split(separator: ".").first.map(String.init) ?? fileName
        let info = ModelInfo(
            name: name ?? stem,
            version: version ?? "\(stem)-\(digest.prefix(12))",
            format: format,
            sha256: digest,
            loadedAt: Timestamp.now(),
            path: path,
            threshold: threshold)
        return LoadedModel(model: model, info: info)
    }

    /// The names in a `features.json`: a JSON list of strings.
    public static func featureNames(_ bytes: [UInt8], source: String) throws(ModelError) -> [String] {
        guard let names = (try? JSONValue.parse(bytes))?.stringListValue else {
            throw ModelError("\(source) must be a JSON list of column names, e.g. [\"tx_amount\", \"tx_during_night\"]")
        }
        return names
    }

    static func expectedDigest(_ meta: JSONValue, fileName: String) -> String? {
        if let d = meta["files"]?[fileName]?["sha256"]?.stringValue { return d }
        if meta["file"]?.stringValue == fileName || meta["file"] == nil { return meta["sha256"]?.stringValue }
        return nil
    }
}
