import JSON
import ModelStore

/// The OpenAPI 3.1 description of the API, generated from the served model's feature schema, so it
/// changes with the model.
enum OpenAPIDocument {
    static func make(schema: TransactionSchema, info: ModelInfo?, maxBatch: Int) -> JSONValue {
        let features = schema.features
        let required = schema.required.map { JSONValue.string($0) }
        let calendar = schema.derivable.map { JSONValue.string($0) }
        let properties = JSONValue.object(schema.properties.map { field in
            switch field.kind {
            case .int64: (field.name, int64)
            case .datetime: (field.name, datetime)
            case .feature: (field.name, feature)
            case .amount: (field.name, amount)
            }
        })
        return [
            "openapi": "3.1.0",
            "info": ["title": "fraudscore", "version": .string(info?.version ?? "no model"),
                     "description": .string("Real-time transaction-fraud scoring. Model: \(info?.name ?? "none") "
                                             + "(\(info?.format.rawValue ?? "-")), features: \(features.joined(separator: ", ")). "
                                             + OpenAPIDocument.inferenceProtocol)],
            "paths": paths(maxBatch: maxBatch, feedback: schema.onlineFeatures, model: info?.name),
            "components": ["schemas": [
                "Transaction": calendar.isEmpty
                    ? ["type": "object", "properties": properties, "required": .array(required)]
                    : ["type": "object", "properties": properties, "required": .array(required),
                       // The calendar features are needed unless tx_datetime is there to derive them.
                       "anyOf": [["required": ["tx_datetime"]], ["required": .array(calendar)]]],
                "Prediction": prediction,
                "ValidationError": validationError,
                "Detail": detail,
                "Label": label,
                "LabelOutcome": labelOutcome,
            ]],
        ]
    }

    // MARK: value schemas

    // Lax like pydantic: numbers, numeric strings and booleans are accepted where numbers are.
    // Finite numbers only (a Double's range): in a string, at most 200 integer digits and a
    // two-digit exponent keep every match below 1e300.
    static let numericString: JSONValue = ["type": "string", "pattern": "^ *-?(0|[1-9][0-9]{0,199})(\\.[0-9]+)?([eE][+-]?[0-9]{1,2})? *$"]
    static let finite: JSONValue = ["type": "number", "minimum": .number(JSONNumber(double: -Double.greatestFiniteMagnitude, int64: nil)),
                                    "maximum": .number(JSONNumber(double: Double.greatestFiniteMagnitude, int64: nil))]
    static let integerString: JSONValue = ["type": "string", "pattern": "^ *-?(0|[1-9][0-9]{0,17}) *$"]
    static let int64: JSONValue = ["anyOf": [
        ["type": "integer", "minimum": .number(JSONNumber(double: -0x1p63, int64: Int64.min)), "maximum": .number(JSONNumber(double: 0x1p63, int64: Int64.max))],
        integerString, ["type": "boolean"]]]
    static let datetimeText: JSONValue = [
        "type": "string",
        "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])([ Tt]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]+)?)?([Zz]|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?)?$",
    ]
    static let datetime: JSONValue = [
        "anyOf": [datetimeText, ["type": "number", "minimum": .number(JSONNumber(double: -CivilTime.maxTimestamp, int64: nil)), "maximum": .number(JSONNumber(double: CivilTime.maxTimestamp, int64: nil)), "description": "Unix time (s, or ms when large)"]],
        "description": "YYYY-MM-DD HH:MM:SS (ISO 8601 accepted); tx_during_weekend and tx_during_night are derived from it when absent.",
    ]
    static let feature: JSONValue = ["anyOf": [finite, ["type": "null"], ["type": "boolean"], numericString],
                                     "description": "Model feature; null is a missing value."]
    static let amount: JSONValue = [
        "anyOf": [["type": "number", "minimum": -1e11, "maximum": 1e11], ["type": "boolean"],
                  ["type": "string", "pattern": "^ *-?(0|[1-9][0-9]{0,10})(\\.[0-9]+)? *$"]],
        "description": "The amount, at most 1e11 either way; with online features the customer's means are computed from it.",
    ]

    // MARK: fixed schemas

    static let validationError: JSONValue = [
        "type": "object", "required": ["detail"],
        "properties": ["detail": ["type": "array", "items": [
            "type": "object", "required": ["type", "loc", "msg"],
            "properties": [
                "type": ["type": "string"], "msg": ["type": "string"],
                "loc": ["type": "array", "items": ["type": ["string", "integer"]]],
                "input": ["type": "object"], "ctx": ["type": "object"],
            ]]]]]
    static let detail: JSONValue = ["type": "object", "required": ["detail"], "properties": ["detail": ["type": "string"]]]
    static let prediction: JSONValue = [
        "type": "object", "required": ["transaction_id", "fraud_probability", "is_fraud", "model_version"],
        "properties": [
            "transaction_id": ["type": "integer", "format": "int64"],
            "fraud_probability": ["type": "number"],
            "is_fraud": ["type": "boolean"],
            "model_version": ["type": "string"],
            "out_of_order": ["type": "boolean", "description": "With online features: older than what the store held for its customer or terminal."],
            "features_degraded": ["type": "boolean", "description": "With online features: scored without history (--on-store-error score-without-history)."],
            "features": ["type": "object", "description": "With ?explain=true: every feature the model saw, by name."],
        ]]
    static let label: JSONValue = [
        "type": "object", "required": ["transaction_id", "is_fraud"],
        "properties": ["transaction_id": int64, "is_fraud": ["anyOf": [["type": "boolean"], ["enum": [0, 1]]]]],
    ]
    static let labelOutcome: JSONValue = [
        "type": "object", "required": ["transaction_id", "status"],
        "properties": ["transaction_id": ["type": "integer", "format": "int64"],
                       "status": ["enum": ["recorded", "unknown"]], "detail": ["type": "string"]],
    ]

    // MARK: paths

    static func json(_ schema: JSONValue) -> JSONValue { ["application/json": ["schema": schema]] }
    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/" + name)] }
    static func response(_ description: String, _ schema: JSONValue) -> JSONValue { ["description": .string(description), "content": json(schema)] }

    /// The Open Inference Protocol's two transports, which JSON Schema cannot describe whole.
    static let inferenceProtocol = "The same model answers the Open Inference Protocol v2 (KServe, Triton): over REST at "
        + "/v2/models/{name}/infer, with JSON tensors or with the binary tensor data extension (the JSON request, "
        + "Inference-Header-Content-Length bytes long, then each input's raw little-endian bytes; binary outputs on "
        + "request), and over gRPC on this port (HTTP/2: h2c, or TLS with ALPN h2) as inference.GRPCInferenceService: "
        + "ServerLive, ServerReady, ModelReady, ServerMetadata, ModelMetadata, ModelInfer."

    static func tensor(data: Bool) -> JSONValue {
        var properties: [(String, JSONValue)] = [
            ("name", ["type": "string"]),
            ("datatype", ["enum": ["BOOL", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64",
                                   "FP16", "FP32", "FP64"]]),
            ("shape", ["type": "array", "items": ["type": "integer", "minimum": 0]]),
            ("parameters", ["type": "object", "properties": ["binary_data_size": ["type": "integer", "minimum": 0]]]),
        ]
        if data { properties.append(("data", ["type": "array", "description": "Row-major values, nested or flat; null is a missing value."])) }
        return ["type": "object", "required": ["name", "datatype"], "properties": .object(properties)]
    }

    /// POST /v2/models/{name}/infer: JSON tensors, or JSON then binary tensor data.
    static func infer(model: String) -> JSONValue {
        let request: JSONValue = [
            "type": "object", "required": ["inputs"],
            "properties": [
                "id": ["type": "string"],
                "inputs": ["type": "array", "minItems": 1, "items": tensor(data: true),
                           "description": "One input [N, features] in the model's feature order, or one input per feature named after it."],
                "outputs": ["type": "array", "items": ["type": "object", "required": ["name"], "properties": [
                    "name": ["enum": ["fraud_probability"]],
                    "parameters": ["type": "object", "properties": ["binary_data": ["type": "boolean"]]]]]],
                "parameters": ["type": "object", "properties": ["binary_data_output": ["type": "boolean"]]],
            ]]
        let answer: JSONValue = [
            "type": "object", "required": ["model_name", "model_version", "outputs"],
            "properties": ["model_name": ["type": "string"], "model_version": ["type": "string"], "id": ["type": "string"],
                           "outputs": ["type": "array", "items": tensor(data: true)]]]
        let error: JSONValue = ["type": "object", "required": ["error"], "properties": ["error": ["type": "string"]]]
        let binary: JSONValue = ["schema": ["type": "string", "format": "binary",
                                            "description": "The JSON request or answer, then raw tensor bytes (binary tensor data extension)"]]
        return ["post": [
            "summary": "Open Inference Protocol v2 inference",
            "operationId": "infer",
            "parameters": [
                ["name": "model_name", "in": "path", "required": true, "schema": ["enum": [.string(model)]]],
                ["name": "Inference-Header-Content-Length", "in": "header", "required": false,
                 "description": "With binary tensor data: the size of the JSON part", "schema": ["type": "integer", "minimum": 0]],
            ],
            "requestBody": ["required": true, "content": ["application/json": ["schema": request],
                                                          "application/octet-stream": binary]],
            "responses": [
                "200": ["description": "The fraud probability of each row, FP64 [N]",
                        "content": ["application/json": ["schema": answer], "application/octet-stream": binary]],
                "400": response("The request or a tensor is malformed; the message names it", error),
                "404": response("Another model or version", error),
                "503": response("No model loaded", error),
            ],
        ]]
    }

    static func paths(maxBatch: Int, feedback: Bool, model: String?) -> JSONValue {
        let errors: [(String, JSONValue)] = [
            ("413", response("Body too large", ref("Detail"))),
            ("415", response("Content-Type is not JSON", ref("ValidationError"))),
            ("422", response("Invalid transaction; each error names its field", ref("ValidationError"))),
            ("503", response("No model loaded", ref("Detail"))),
        ]
        let health: JSONValue = ["type": "object", "required": ["status"], "properties": ["status": ["type": "string"]]]
        var paths: JSONValue = [
            "/predict": ["post": [
                "summary": "Score one transaction, or a batch (JSON array) of them",
                "operationId": "predict",
                "requestBody": ["required": true, "content": json(["oneOf": [
                    ref("Transaction"),
                    ["type": "array", "items": ref("Transaction"), "maxItems": .number(JSONNumber(double: Double(maxBatch), int64: Int64(maxBatch)))],
                ]])],
                "responses": .object([("200", response("Prediction, or one per item of a batch", ["oneOf": [
                    ref("Prediction"), ["type": "array", "items": ref("Prediction")]]]))] + errors),
            ]],
            "/health": ["get": ["summary": "Status and the model served", "operationId": "health",
                                "responses": ["200": response("Serving", health), "503": response("No model", health)]]],
            "/health/live": ["get": ["summary": "Liveness", "operationId": "live", "responses": ["200": response("Alive", health)]]],
            "/health/ready": ["get": ["summary": "Readiness", "operationId": "ready",
                                      "responses": ["200": response("Ready", health), "503": response("Not ready", health)]]],
            "/metrics": ["get": ["summary": "Prometheus metrics", "operationId": "metrics",
                                 "responses": ["200": ["description": "Text exposition format",
                                                       "content": ["text/plain": ["schema": ["type": "string"]]]]]]],
        ]
        if let model, case .object(var members) = paths {
            members.append(("/v2/models/{model_name}/infer", infer(model: model)))
            paths = .object(members)
        }
        if feedback, case .object(var members) = paths {
            let maxItems = JSONValue.number(JSONNumber(double: Double(maxBatch), int64: Int64(maxBatch)))
            members.append(("/feedback", ["post": [
                "summary": "Labels for scored transactions (online features)",
                "operationId": "feedback",
                "requestBody": ["required": true, "content": json(["oneOf": [
                    ref("Label"), ["type": "array", "items": ref("Label"), "maxItems": maxItems]]])],
                "responses": .object([("200", response("Each label recorded, or unknown with the reason", ["oneOf": [
                    ref("LabelOutcome"), ["type": "array", "items": ref("LabelOutcome")]]])),
                    ("415", response("Content-Type is not JSON", ref("ValidationError"))),
                    ("422", response("Invalid label; each error names its field", ref("ValidationError"))),
                    ("503", response("The feature store is unavailable: nothing was recorded, retry", ref("Detail")))]),
            ]]))
            paths = .object(members)
        }
        return paths
    }
}
