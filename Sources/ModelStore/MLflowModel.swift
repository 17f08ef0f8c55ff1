import JSON
import Models
import Yams

/// An MLflow model folder's `MLmodel` (YAML): the flavor fraudscore evaluates, the file it names, and
/// the column names of the input signature. Folders holding only a pickled (or skops) Python object
/// are refused: loading one runs code from the file.
public struct MLflowModel: Sendable {
    public static let fileName = "MLmodel"
    /// Flavors whose file fraudscore reads natively, in order of preference.
    static let flavors = ["onnx", "xgboost", "lightgbm", "catboost"]

    public var flavor: String
    /// The model file, relative to the folder.
    public var dataFile: String
    /// Column names of a column-based signature (`infer_signature` on a DataFrame); nil for a
    /// tensor signature or none.
    public var signatureNames: [String]?

    public init(yaml bytes: [UInt8], source: String) throws(ModelError) {
        let root: Any?
        do {
            root = try Yams.load(yaml: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw ModelError("\(source) is not valid YAML: \(error)")
        }
        guard let doc = root as? [String: Any], let flavors = doc["flavors"] as? [String: Any] else {
            throw ModelError("\(source) has no flavors: is this an MLflow model folder?")
        }
        guard let name = MLflowModel.flavors.first(where: { flavors[$0] != nil }) else {
            let present = flavors.keys.sorted().joined(separator: ", ")
            let pyfunc = flavors["python_function"] as? [String: Any]
            let file = ((flavors["sklearn"] as? [String: Any])?["pickled_model"] as? String)
                ?? (pyfunc?["model_path"] as? String) ?? (pyfunc?["data"] as? String)
            throw ModelError("\(source): an MLflow model with flavor(s) \(present)\(file.map { " (\($0))" } ?? "") is a "
                             + "pickled Python object, and loading one runs code from the file, so fraudscore does not. "
                             + "Log the model with mlflow.onnx (convert scikit-learn with skl2onnx), mlflow.xgboost, "
                             + "mlflow.lightgbm or mlflow.catboost instead.")
        }
        guard let flavor = flavors[name] as? [String: Any], let data = flavor["data"] as? String, !data.isEmpty else {
            throw ModelError("\(source): the \(name) flavor names no data file")
        }
        guard !data.contains(".."), !data.hasPrefix("/") else {
            throw ModelError("\(source): the \(name) flavor's data file \(data) is outside the model folder")
        }
        let lower = data.lowercased()
        if [".pkl", ".pickle", ".joblib", ".skops"].contains(where: { lower.hasSuffix($0) }) {
            throw ModelError("\(source): the \(name) flavor's file \(data) is a serialized Python object; save the "
                             + "booster itself (mlflow.\(name).save_model with a Booster)")
        }
        self.flavor = name
        self.dataFile = data
        signatureNames = MLflowModel.columnNames((doc["signature"] as? [String: Any])?["inputs"] as? String)
    }

    /// Names from a column-based signature: `[{"type": "double", "name": "tx_amount", ...}, ...]`.
    static func columnNames(_ inputs: String?) -> [String]? {
        guard let inputs, case .array(let columns)? = try? JSONValue.parse(Array(inputs.utf8)) else { return nil }
        let names = columns.compactMap { $0["name"]?.stringValue }
        return names.count == columns.count && !names.isEmpty ? names : nil
    }
}
