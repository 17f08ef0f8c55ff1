import ArgumentParser
import FraudScore
import Models
import ModelStore
import Support
#if canImport(Glibc)
import Glibc
#endif

struct Publish: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload a model as the next version of a repository, files first and manifest.json last.",
        discussion: """
            Checks the model first as a server would (it loads, its outputs are finite probabilities, it \
            reproduces the validation rows), so a version that would be refused is never published. Credentials \
            come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or their _FILE variants, or ~/.aws/credentials).
            """)

    @Argument(help: "Model file, or folder holding one (and model_meta.json, validation.jsonl).")
    var path: String
    @Option(help: "Repository: s3://bucket/prefix/ or a local folder.")
    var to: String
    @Option(help: "Version number (default: one more than the highest present).")
    var version: Int?
    @Option(help: "model_version reported in responses (default: model_meta.json's, else the version number).")
    var modelVersion: String?
    @Option(help: "Decision threshold stored in the manifest (default: model_meta.json's decision_threshold).")
    var threshold: Double?
    @Option(help: "JSON-lines validation rows with expected outputs (default: validation.jsonl beside the model).")
    var validation: String?
    @Option(help: "Member of each validation row holding the expected probability.")
    var expectedKey = "expected_prob"
    @Option(help: "Largest allowed |served - expected| on the validation rows.")
    var tolerance = 1e-6
    @Option(help: "Labeled rows (JSON lines of requests with their label) published with the version: a server with a model serving compares the two on them before this one may replace it (its promotion gate).")
    var evaluation: String?
    @Option(help: "Member of each evaluation row holding its label (1/0 or true/false).")
    var evaluationLabel = "tx_fraud"
    @Option(help: "Fields clients send besides the Fraud Detection Handbook's, comma-separated.")
    var requestFields = ""
    @OptionGroup(title: "Model storage")
    var storage: StorageOptions

    func run() throws {
        let loaded = try ModelLoader.load(path: path)
        let modelFile = FileSystem.baseName(loaded.info.path)
        var files: [String: [UInt8]] = [modelFile: try FileSystem.readAll(loaded.info.path)]
        let rowsPath = validation ?? (FileSystem.directory(of: loaded.info.path) + "/validation.jsonl")
        var check: Manifest.Validation? = nil
        if validation != nil || Sys.fileStatus(rowsPath) != nil {
            let name = FileSystem.baseName(rowsPath)
            files[name] = try FileSystem.readAll(rowsPath)
            check = Manifest.Validation(file: name, expectedKey: expectedKey, tolerance: tolerance)
        }
        var evaluated: Manifest.Evaluation? = nil
        if let evaluation {
            let name = FileSystem.baseName(evaluation)
            guard files[name] == nil else {
                throw ValidationError("--evaluation \(evaluation): its name is taken by another file of the version; rename it")
            }
            files[name] = try FileSystem.readAll(evaluation)
            evaluated = Manifest.Evaluation(file: name, labelKey: evaluationLabel)
        }
        let repository = try storage.repository(to)
        let number = try version ?? repository.nextVersion()
        var manifest = Manifest(
            name: loaded.info.name,
            modelVersion: modelVersion ?? (loaded.info.version.hasSuffix(String(loaded.info.sha256.prefix(12))) ? nil : loaded.info.version),
            modelFile: modelFile, format: loaded.info.format, threshold: threshold ?? loaded.info.threshold,
            files: files.mapValues { Manifest.File(sha256: SHA256.hex($0), size: $0.count) }, validation: check)
        // The column names travel with the version: an ONNX file alone does not carry them.
        manifest.features = loaded.model.featureNames
        manifest.evaluation = evaluated
        // Judge it as a server would before anything is uploaded.
        let gate = CandidateValidator(app: FraudScoreApp(scoring: ScoringConfig()),
                                      extraFields: requestFields.split(separator: ",").map(String.init))
        do {
            _ = try gate.check(Candidate(loaded: loaded, validation: check, validationRows: check.flatMap { files[$0.file] }))
        } catch {
            throw ValidationError("not published: a server would refuse this model (\(error.reason.rawValue)): \(error.message)")
        }
        try repository.publish(version: number, files: files, manifest: manifest)
        print("published \(repository.location.hasSuffix("/") ? repository.location : repository.location + "/")\(number)/ "
              + "model_version=\(manifest.modelVersion ?? String(number)) sha256=\(loaded.info.sha256)"
              + (check.map { " validation=\($0.file)" } ?? "") + (evaluated.map { " evaluation=\($0.file)" } ?? ""))
    }
}
