import InferenceProto
import InferenceWire
import SwiftProtobuf
import XCTest

/// The request path's ModelInfer codec against the messages protoc-gen-swift generated from the
/// protocol's .proto: what SwiftProtobuf writes, it reads; what it writes, SwiftProtobuf reads.
final class ModelInferWireTests: XCTestCase {
    private func decode(_ message: Inference_ModelInferRequest) throws -> ModelInferWire.Request {
        let bytes: [UInt8] = try message.serializedBytes()
        return try bytes.withUnsafeBytes { try ModelInferWire.decodeRequest($0) }
    }

    private func failure(_ message: Inference_ModelInferRequest) throws -> String {
        do {
            _ = try decode(message)
            XCTFail("decoded without an error")
            return ""
        } catch let e as InferWireError {
            return e.message
        }
    }

    private func tensor(_ name: String, _ datatype: String, _ shape: [Int64],
                        _ contents: ((inout Inference_InferTensorContents) -> Void)? = nil) -> Inference_ModelInferRequest.InferInputTensor {
        .with { t in
            t.name = name
            t.datatype = datatype
            t.shape = shape
            if let contents { t.contents = .with(contents) }
        }
    }

    func testRawContentsOfEveryNumericDatatype() throws {
        let values: [Double] = [0, 1, 2, 127]
        func raw<T>(_ xs: [T]) -> Data { xs.withUnsafeBytes { Data($0) } }
        let cases: [(String, Data, [Double])] = [
            ("FP64", raw(values), values),
            ("FP32", raw(values.map(Float.init)), values),
            ("INT8", raw(values.map { Int8($0) }), values),
            ("INT16", raw(values.map { Int16($0) }), values),
            ("INT32", raw(values.map { Int32($0) }), values),
            ("INT64", raw(values.map { Int64($0) }), values),
            ("UINT8", raw(values.map { UInt8($0) }), values),
            ("UINT16", raw(values.map { UInt16($0) }), values),
            ("UINT32", raw(values.map { UInt32($0) }), values),
            ("UINT64", raw(values.map { UInt64($0) }), values),
            ("BOOL", raw([UInt8(0), 1, 1, 0]), [0, 1, 1, 0]),
            // numpy float16: 0, 1, -2, 65504 (the largest), 2^-24 (the smallest subnormal)
            ("FP16", raw([UInt16(0x0000), 0x3C00, 0xC000, 0x7BFF, 0x0001]), [0, 1, -2, 65504, 0x1p-24]),
        ]
        for (datatype, bytes, want) in cases {
            let request = try decode(.with {
                $0.modelName = "fraud"
                $0.id = "r-\(datatype)"
                $0.inputs = [tensor("input-0", datatype, [1, Int64(want.count)])]
                $0.rawInputContents = [bytes]
            })
            XCTAssertEqual(request.modelName, "fraud")
            XCTAssertEqual(request.infer.id, "r-\(datatype)")
            XCTAssertEqual(request.infer.inputs.first?.values, want, datatype)
            XCTAssertEqual(request.infer.inputs.first?.shape, [1, want.count])
        }
    }

    func testTypedContentsGoInTheirDatatypesField() throws {
        let r = try decode(.with {
            $0.modelName = "fraud"
            $0.modelVersion = "7"
            $0.inputs = [
                tensor("a", "FP64", [2]) { $0.fp64Contents = [0.5, -1e300] },
                tensor("b", "FP32", [2]) { $0.fp32Contents = [0.1, 3] },
                tensor("c", "INT32", [2]) { $0.intContents = [-5, 2_000_000_000] },
                tensor("d", "INT64", [1]) { $0.int64Contents = [-(1 << 40)] },
                tensor("e", "UINT32", [1]) { $0.uintContents = [4_000_000_000] },
                tensor("f", "UINT64", [1]) { $0.uint64Contents = [1 << 63] },
                tensor("g", "BOOL", [2]) { $0.boolContents = [true, false] },
            ]
            $0.outputs = [.with { $0.name = "fraud_probability" }]
        })
        XCTAssertEqual(r.modelVersion, "7")
        XCTAssertEqual(r.infer.inputs.map(\.values), [[0.5, -1e300], [Double(Float(0.1)), 3], [-5, 2_000_000_000],
                                                      [-0x1p40], [4_000_000_000], [0x1p63], [1, 0]])
        XCTAssertEqual(r.infer.outputs, [RequestedOutput(name: "fraud_probability")])
    }

    func testMismatchesAreNamed() throws {
        XCTAssertEqual(try failure(.with { $0.modelName = "m" }), "ModelInferRequest has no inputs")
        XCTAssertEqual(try failure(.with {
            $0.inputs = [tensor("x", "FP64", [1, 2])]
            $0.rawInputContents = [Data(count: 15)]
        }), "input \"x\": FP64 [1, 2] needs 16 bytes, got 15")
        XCTAssertEqual(try failure(.with {
            $0.inputs = [tensor("x", "FP64", [1]), tensor("y", "FP64", [1])]
            $0.rawInputContents = [Data(count: 8)]
        }), "raw_input_contents has 1 entries for 2 inputs; it needs one per input, in order")
        XCTAssertEqual(try failure(.with {
            $0.inputs = [tensor("x", "FP64", [1]) { $0.fp64Contents = [1] }]
            $0.rawInputContents = [Data(count: 8)]
        }), "input \"x\" has typed contents beside raw_input_contents; use one or the other")
        XCTAssertEqual(try failure(.with { $0.inputs = [tensor("x", "FP32", [1]) { $0.fp64Contents = [1] }] }),
                       "input \"x\": FP32 values go in fp32_contents")
        XCTAssertEqual(try failure(.with { $0.inputs = [tensor("x", "FP64", [3]) { $0.fp64Contents = [1] }] }),
                       "input \"x\": shape [3] holds 3 values, contents have 1")
        XCTAssertEqual(try failure(.with { $0.inputs = [tensor("x", "INT8", [1]) { $0.intContents = [300] }] }),
                       "input \"x\": 300.0 is not a INT8 value")
        XCTAssertEqual(try failure(.with { $0.inputs = [tensor("x", "FP16", [1]) { $0.fp32Contents = [1] }] }),
                       "input \"x\": FP16 values go in raw_input_contents")
        XCTAssertEqual(try failure(.with {
            $0.inputs = [tensor("x", "FP64", [1 << 31, 1 << 31, 1 << 31])]
            $0.rawInputContents = [Data(count: 8)]
        }), "input \"x\": shape [2147483648, 2147483648, 2147483648] holds more elements than the request carries")
        XCTAssertEqual(try failure(.with { $0.inputs = [tensor("x", "FP64", [-1]) { $0.fp64Contents = [1] }] }),
                       "input \"x\": shape has a dimension of -1")
        // Found by FuzzGRPCRequest: a dimension near Int64.max once trapped while its error was worded.
        XCTAssertEqual(try failure(.with { $0.inputs = [tensor("x", "FP64", [Int64.max]) { $0.fp64Contents = [1] }] }),
                       "input \"x\": shape has a dimension of 9223372036854775807")
    }

    func testTruncationsAnywhereAreErrorsNotReads() throws {
        let full: [UInt8] = try Inference_ModelInferRequest.with {
            $0.modelName = "fraud"
            $0.inputs = [tensor("input-0", "FP64", [1, 2])]
            $0.rawInputContents = [Data(count: 16)]
        }.serializedBytes()
        for n in 0..<full.count {
            let cut = Array(full[0..<n])
            XCTAssertThrowsError(try cut.withUnsafeBytes { try ModelInferWire.decodeRequest($0) }, "cut at \(n)")
        }
        XCTAssertNoThrow(try full.withUnsafeBytes { try ModelInferWire.decodeRequest($0) })
    }

    func testTheResponseReadsBackWithTheGeneratedMessage() throws {
        var w = ProtoWriter()
        let predictions = [0.25, 1e-300, 0.9999999999999999]
        predictions.withUnsafeBufferPointer {
            ModelInferWire.encodeResponse(modelName: "fraud", modelVersion: "3", id: "abc", output: "fraud_probability",
                                          predictions: $0, into: &w)
        }
        let r = try Inference_ModelInferResponse(serializedBytes: w.bytes)
        XCTAssertEqual(r.modelName, "fraud")
        XCTAssertEqual(r.modelVersion, "3")
        XCTAssertEqual(r.id, "abc")
        XCTAssertEqual(r.outputs.map(\.name), ["fraud_probability"])
        XCTAssertEqual(r.outputs.first?.datatype, "FP64")
        XCTAssertEqual(r.outputs.first?.shape, [3])
        let raw = try XCTUnwrap(r.rawOutputContents.first)
        XCTAssertEqual(raw.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }, predictions)
    }
}
