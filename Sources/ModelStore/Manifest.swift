import JSON
import Models

/// `manifest.json`: what makes a version folder complete. Written last by `fraudscore publish`, so
/// a version whose upload is still running (or died half-way) has none and stays invisible.
///
///     {"format_version": 1, "name": "fraud", "model_version": "2026-11-22.1",
///      "model_file": "xgb_model.json", "format": "xgboost-json", "threshold": 0.4,
///      "files": {"xgb_model.json": {"sha256": "…", "size": 533521},
///                "validation.jsonl": {"sha256": "…", "size": 9876}},
///      "validation": {"file": "validation.jsonl", "expected": "expected_prob", "tolerance": 1e-6}}
public struct Manifest: Sendable, Equatable {
    public static let fileName = "manifest.json"

    public struct File: Sendable, Equatable {
        public var sha256: String
        public var size: Int

        public init(sha256: String, size: Int) {
            self.sha256 = sha256
            self.size = size
        }
    }

    /// Rows (one JSON transaction a line, with its expected output) the version must reproduce.
    public struct Validation: Sendable, Equatable {
        public var file: String
        /// The member of each row holding the expected probability.
        public var expectedKey = "expected_prob"
        public var tolerance = 1e-6

        public init(file: String, expectedKey: String = "expected_prob", tolerance: Double = 1e-6) {
            self.file = file
            self.expectedKey = expectedKey
            self.tolerance = tolerance
        }
    }

    public var name: String?
    public var modelVersion: String?
    public var modelFile: String
    public var format: ModelFormat?
    public var threshold: Double?
    public var files: [String: File]
    public var validation: Validation?
    /// Column names for a model file that does not name its inputs (ONNX from skl2onnx).
    public var features: [String]? = nil
    /// Labeled rows the promotion gate compares this version with the serving one on.
    public var evaluation: Evaluation? = nil

    /// `"evaluation": {"file": "evaluation.jsonl", "label": "tx_fraud"}`: requests with their labels.
    public struct Evaluation: Sendable, Equatable {
        public var file: String
        public var labelKey: String

        public init(file: String, labelKey: String = "tx_fraud") {
            self.file = file
            self.labelKey = labelKey
        }
    }

    public init(name: String?, modelVersion: String?, modelFile: String, format: ModelFormat?, threshold: Double?,
                files: [String: File], validation: Validation?) {
        self.name = name
        self.modelVersion = modelVersion
        self.modelFile = modelFile
        self.format = format
        self.threshold = threshold
        self.files = files
        self.validation = validation
    }

    public init(parsing bytes: [UInt8]) throws(ManifestError) {
        let doc: JSONValue
        do {
            doc = try JSONValue.parse(bytes)
        } catch {
            throw ManifestError("manifest.json is not valid JSON: \(error)")
        }
        guard case .object(let fileMembers)? = doc["files"], !fileMembers.isEmpty else {
            throw ManifestError("manifest.json needs \"files\": {name: {\"sha256\": …, \"size\": …}}")
        }
        var files: [String: File] = [:]
        for (name, entry) in fileMembers {
            guard Self.isPlainName(name) else {
                throw ManifestError("manifest.json lists \"\(name)\": file names must be plain names in the version folder")
            }
            guard let sha = entry["sha256"]?.stringValue, sha.utf8.count == 64,
                  sha.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }) else {
                throw ManifestError("manifest.json: files.\(name).sha256 must be 64 hex digits")
            }
            guard let size = entry["size"]?.intValue, size >= 0 else {
                throw ManifestError("manifest.json: files.\(name).size must be a non-negative integer")
            }
            files[name] = File(sha256: sha.lowercased(), size: size)
        }
        let modelFile: String
        if let named = doc["model_file"]?.stringValue {
            modelFile = named
        } else if let known = ModelLoader.knownFiles.first(where: { files[$0] != nil }) {
            modelFile = known
        } else {
            throw ManifestError("manifest.json needs \"model_file\": none of its files has a known model file name")
        }
        guard files[modelFile] != nil else {
            throw ManifestError("manifest.json: model_file \"\(modelFile)\" is not listed in files")
        }
        var format: ModelFormat? = nil
        if let f = doc["format"]?.stringValue {
            guard let known = ModelFormat(rawValue: f) else {
                throw ManifestError("manifest.json: unknown format \"\(f)\" (known: \(ModelFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            format = known
        }
        let threshold = doc["threshold"]?.doubleValue
        if let threshold, !(0...1).contains(threshold) {
            throw ManifestError("manifest.json: threshold must be between 0 and 1, got \(threshold)")
        }
        var validation: Validation? = nil
        if let v = doc["validation"] {
            guard let file = v["file"]?.stringValue, files[file] != nil else {
                throw ManifestError("manifest.json: validation.file must name one of the listed files")
            }
            validation = Validation(file: file)
            if let key = v["expected"]?.stringValue { validation!.expectedKey = key }
            if let tol = v["tolerance"]?.doubleValue {
                guard tol >= 0 && tol.isFinite else { throw ManifestError("manifest.json: validation.tolerance must be >= 0") }
                validation!.tolerance = tol
            }
        }
        var features: [String]? = nil
        if let list = doc["features"] {
            guard let names = list.stringListValue else {
                throw ManifestError("manifest.json: features must be a list of column names")
            }
            features = names
        }
        var evaluation: Evaluation? = nil
        if let e = doc["evaluation"] {
            guard let file = e["file"]?.stringValue, files[file] != nil else {
                throw ManifestError("manifest.json: evaluation.file must name one of the listed files")
            }
            evaluation = Evaluation(file: file, labelKey: e["label"]?.stringValue ?? "tx_fraud")
        }
        self.init(name: doc["name"]?.stringValue, modelVersion: doc["model_version"]?.stringValue, modelFile: modelFile,
                  format: format, threshold: threshold, files: files, validation: validation)
        self.features = features
        self.evaluation = evaluation
    }

    public func encoded() -> [UInt8] {
        var members: [(String, JSONValue)] = [("format_version", 1)]
        if let name { members.append(("name", .string(name))) }
        if let modelVersion { members.append(("model_version", .string(modelVersion))) }
        members.append(("model_file", .string(modelFile)))
        if let format { members.append(("format", .string(format.rawValue))) }
        if let threshold { members.append(("threshold", .number(JSONNumber(double: threshold, int64: nil)))) }
        members.append(("files", .object(files.keys.sorted().map { name in
            (name, ["sha256": .string(files[name]!.sha256), "size": .number(JSONNumber(double: Double(files[name]!.size), int64: Int64(files[name]!.size)))])
        })))
        if let features { members.append(("features", .array(features.map { .string($0) }))) }
        if let validation {
            members.append(("validation", ["file": .string(validation.file), "expected": .string(validation.expectedKey),
                                           "tolerance": .number(JSONNumber(double: validation.tolerance, int64: nil))]))
        }
        if let evaluation {
            members.append(("evaluation", ["file": .string(evaluation.file), "label": .string(evaluation.labelKey)]))
        }
        var w = JSONWriter()
        JSONValue.object(members).write(into: &w)
        w.raw(UInt8(ascii: "\n"))
        return w.bytes
    }

    /// Checks a downloaded file against its entry: size first (a truncated download), then sha256.
    /// Returns the digest.
    @discardableResult
    public func verify(_ name: String, _ bytes: [UInt8]) throws(ManifestError) -> String {
        guard let expected = files[name] else { throw ManifestError("\(name) is not listed in manifest.json") }
        guard bytes.count == expected.size else {
            throw ManifestError("\(name) has \(bytes.count) bytes but manifest.json says \(expected.size): "
                                + "the download was truncated or the file was replaced without republishing")
        }
        let digest = SHA256.hex(bytes)
        guard digest == expected.sha256 else {
            throw ManifestError("\(name) has sha256 \(digest) but manifest.json says \(expected.sha256): "
                                + "the file is corrupt or belongs to another version")
        }
        return digest
    }

    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.hasPrefix(".")
    }
}

public struct ManifestError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
