import ArgumentParser
import ModelStore

/// How to reach model storage; shared by `serve` and `publish`.
struct StorageOptions: ParsableArguments {
    @Option(help: "S3 endpoint for MinIO, Yandex Object Storage, … (default: $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, else AWS).")
    var s3Endpoint: String?
    @Option(help: "S3 region signed into requests (default: $AWS_REGION, $AWS_DEFAULT_REGION, else us-east-1).")
    var s3Region: String?
    @Option(help: "S3 addressing: path (endpoint/bucket/key) or virtual (bucket.endpoint/key); default: path with a custom endpoint, virtual on AWS.")
    var s3Addressing: String?
    @Option(help: "PEM file of CA certificates trusted for https storage (default: $AWS_CA_BUNDLE, else the system's).")
    var caBundle: String?
    @Option(help: "Limit: ms to connect to storage.")
    var storageConnectTimeoutMs = 3_000
    @Option(help: "Limit: ms for one storage request, download included.")
    var storageTimeoutMs = 60_000
    @Option(help: "Limit: bytes of one downloaded file.")
    var maxModelBytes = 1 << 30

    func validate() throws {
        if let a = s3Addressing, S3Config.Addressing(rawValue: a) == nil {
            throw ValidationError("--s3-addressing must be path or virtual, got \(a)")
        }
        for (name, value) in [("--storage-connect-timeout-ms", storageConnectTimeoutMs),
                              ("--storage-timeout-ms", storageTimeoutMs), ("--max-model-bytes", maxModelBytes)] where value <= 0 {
            throw ValidationError("\(name) must be positive, got \(value)")
        }
    }

    var transfer: TransferOptions {
        var t = TransferOptions()
        t.connectTimeoutMs = storageConnectTimeoutMs
        t.timeoutMs = storageTimeoutMs
        t.caBundle = caBundle ?? environmentValue("AWS_CA_BUNDLE")
        t.maxBytes = maxModelBytes
        return t
    }

    var s3: S3Config {
        var c = S3Config()
        c.endpoint = s3Endpoint ?? environmentValue("AWS_ENDPOINT_URL_S3") ?? environmentValue("AWS_ENDPOINT_URL")
        c.region = s3Region ?? environmentValue("AWS_REGION") ?? environmentValue("AWS_DEFAULT_REGION") ?? "us-east-1"
        c.addressing = s3Addressing.flatMap(S3Config.Addressing.init(rawValue:))
        c.transfer = transfer
        return c
    }

    func repository(_ uri: String) throws -> ModelRepository {
        try ModelRepository(uri: try ModelURI(uri), s3: s3, transfer: transfer, mlflow: .fromProcessEnvironment())
    }
}
