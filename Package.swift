// swift-tools-version:6.0
// fraudscore: real-time transaction-fraud scoring. Layers (see DESIGN.md §1):
// HTTPServer (sockets, HTTP) | Models (model formats, evaluation) | ModelStore (versions) | FraudScore (the API).
import PackageDescription

// The request path's targets skip the runtime exclusivity checks in release builds: each access to a
// class's stored property through inout (the connection's buffers, the parser) cost a
// swift_beginAccess/endAccess pair, about 2,000 instructions per /predict (callgrind). Debug builds,
// which the tests run, keep the checks, so a violation still traps there.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "fraudscore",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fraudscore", targets: ["fraudscore"]),
    ],
    dependencies: [
        // CLI: options with help text and environment fallbacks.
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        // Structured logging API; we supply a JSON handler.
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        // YAML at load time only, never on the request path: the --config file and MLflow's MLmodel.
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        // ONNX models are protobuf: the runtime for the onnx-ml.proto messages generated into Sources/ONNXProto.
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        // C libraries, each a module map plus one shim header.
        .systemLibrary(name: "CEpoll", path: "Sources/CEpoll"),
        .systemLibrary(name: "CNghttp2", path: "Sources/CNghttp2", pkgConfig: "libnghttp2",
                       providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CHiredis", path: "Sources/CHiredis", pkgConfig: "hiredis",
                       providers: [.apt(["libhiredis-dev"])]),

        // The few facts every module shares: system calls and their errors, clocks, hex, UTC times,
        // Prometheus text.
        .target(name: "Support", dependencies: ["CEpoll"], swiftSettings: hotPath),
        // Foundation-free JSON: a byte scanner for request bodies, a DOM for model files, a writer.
        .target(name: "JSON", dependencies: ["Support"], swiftSettings: hotPath),
        .target(name: "HTTPServer", dependencies: ["CEpoll", "CNghttp2", "COpenSSL", "JSON", "Support"], swiftSettings: hotPath),
        // onnx-ml.proto's messages, generated once by protoc-gen-swift (scripts/generate-onnx-proto.sh).
        .target(name: "ONNXProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["onnx-ml.proto"]),
        // The Open Inference Protocol's wire formats on the request path: binary tensor bodies,
        // gRPC framing, ModelInfer's protobuf (small, Foundation-free, fuzzed).
        .target(name: "InferenceWire", dependencies: ["JSON"], swiftSettings: hotPath),
        // grpc_predict_v2.proto's messages, generated once (scripts/generate-inference-proto.sh).
        .target(name: "InferenceProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["grpc_predict_v2.proto"]),
        // Tree ensembles scored a block of rows at a time with AVX2 compares (QuickScorer within each
        // tree): the one kernel Swift cannot express, since it needs per-function CPU targets and a
        // runtime check, not a build-wide -mavx2.
        .target(name: "CTreeKernels"),
        .target(name: "Models", dependencies: [
            "JSON", "ONNXProto", "CTreeKernels", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], swiftSettings: hotPath),
        .target(name: "ModelStore", dependencies: [
            "Models", "JSON", "Support", "COpenSSL", "CCurl",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "FraudScore", dependencies: [
            "HTTPServer", "JSON", "Models", "ModelStore", "Support", "CHiredis", "InferenceWire", "InferenceProto",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], swiftSettings: hotPath),
        .executableTarget(name: "fraudscore", dependencies: [
            "FraudScore", "JSON", "Models", "ModelStore", "HTTPServer", "Support",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]),

        // libFuzzer targets for the parsers that read what clients send (scripts/fuzz.sh builds them
        // with -sanitize=fuzzer,address); a plain build makes them replay files (a corpus, a crasher).
        .target(name: "CFuzzDriver", path: "Fuzz/CFuzzDriver"),
        .target(name: "FuzzReplay", dependencies: ["CFuzzDriver"], path: "Fuzz/FuzzReplay"),
        .executableTarget(name: "FuzzInferBody", dependencies: ["InferenceWire", "FuzzReplay"], path: "Fuzz/FuzzInferBody"),
        .executableTarget(name: "FuzzGRPCRequest", dependencies: ["InferenceWire", "FuzzReplay"], path: "Fuzz/FuzzGRPCRequest"),
        .executableTarget(name: "FuzzHTTP1", dependencies: ["HTTPServer", "FuzzReplay"], path: "Fuzz/FuzzHTTP1"),
        .executableTarget(name: "FuzzHTTP2Frames", dependencies: ["HTTPServer", "FuzzReplay"], path: "Fuzz/FuzzHTTP2Frames"),
        .executableTarget(name: "FuzzJSON", dependencies: ["JSON", "FuzzReplay"], path: "Fuzz/FuzzJSON"),
        .executableTarget(name: "FuzzTransaction", dependencies: ["FraudScore", "FuzzReplay"], path: "Fuzz/FuzzTransaction"),
        .executableTarget(name: "FuzzModels", dependencies: ["Models", "FuzzReplay"], path: "Fuzz/FuzzModels"),
        .executableTarget(name: "FuzzCatBoost", dependencies: ["Models", "FuzzReplay"], path: "Fuzz/FuzzCatBoost"),

        // Test helpers: a raw-socket HTTP client and the paths of the repo and its fixtures.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CShimTests", dependencies: ["CEpoll", "CNghttp2", "COpenSSL", "CCurl"]),
        .testTarget(name: "SupportTests", dependencies: ["Support"]),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestSupport"]),
        .testTarget(name: "InferenceWireTests", dependencies: [
            "InferenceWire", "InferenceProto", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "Support", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "JSON", "Support", "TestSupport"]),
        .testTarget(name: "ModelStoreTests", dependencies: [
            "ModelStore", "Models", "Support", "TestSupport", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "FraudScoreTests", dependencies: ["FraudScore", "HTTPServer", "Models", "ModelStore", "Support", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
