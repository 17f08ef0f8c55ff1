import InferenceWire
import XCTest

/// The binary tensor data extension's request bodies: a JSON header, then each binary input's bytes.
final class RESTBinaryTests: XCTestCase {
    private func body(_ json: String, _ binary: [UInt8]) -> (bytes: [UInt8], header: Int) {
        (Array(json.utf8) + binary, json.utf8.count)
    }

    private func parse(_ b: (bytes: [UInt8], header: Int), header: Int?? = .none) -> Result<InferRequest, InferWireError> {
        let h: Int? = header ?? b.header
        return b.bytes.withUnsafeBytes { raw in Result { () throws(InferWireError) in try InferRequest.rest(raw, headerLength: h) } }
    }

    private func doubles(_ xs: [Double]) -> [UInt8] { xs.withUnsafeBytes { Array($0) } }

    func testBinaryAndJSONInputsInOneRequest() throws {
        let json = """
        {"id":"7","inputs":[{"name":"a","datatype":"FP64","shape":[1,2],"parameters":{"binary_data_size":16}},\
        {"name":"b","datatype":"INT32","shape":[2],"data":[3,4]},\
        {"name":"c","datatype":"FP32","shape":[2],"parameters":{"binary_data_size":8}}],\
        "outputs":[{"name":"fraud_probability","parameters":{"binary_data":true}}]}
        """
        let floats: [Float] = [0.1, -2]
        let r = try parse(body(json, doubles([0.5, 1.5]) + floats.withUnsafeBytes { Array($0) })).get()
        XCTAssertEqual(r.id, "7")
        XCTAssertEqual(r.inputs.map(\.values), [[0.5, 1.5], [3, 4], [Double(Float(0.1)), -2]])
        XCTAssertEqual(r.inputs.map(\.shape), [[1, 2], [2], [2]])
        XCTAssertTrue(r.wantsBinary("fraud_probability"))
        XCTAssertFalse(r.binaryOutput)
    }

    func testWhatDoesNotAddUpIsNamed() {
        let input = #"{"inputs":[{"name":"a","datatype":"FP64","shape":[1,2],"parameters":{"binary_data_size":16}}]}"#
        let cases: [((bytes: [UInt8], header: Int), Int??, String)] = [
            (body(input, doubles([1])), .none, "input \"a\": binary_data_size 16 runs past the end of the body (8 bytes left)"),
            (body(input, doubles([1, 2, 3])), .none,
             "8 bytes follow the inputs' binary data (binary_data_size total 16, after the \(input.utf8.count)-byte JSON header)"),
            (body(input, doubles([1, 2])), .some(.some(10_000)), "Inference-Header-Content-Length 10000 is past the end of the \(input.utf8.count + 16)-byte body"),
            (body(input.replacingOccurrences(of: "16}", with: "12}"), doubles([1, 2])), .none, ""),
            (body(input.replacingOccurrences(of: "16}", with: "-1}"), []), .none, "input \"a\": binary_data_size must be a non-negative integer"),
            (body(input.replacingOccurrences(of: "\"shape\":[1,2],", with: ""), doubles([1, 2])), .none, "input \"a\": binary data needs a shape"),
            (body(input.replacingOccurrences(of: "}}]}", with: "},\"data\":[1,2]}]}"), doubles([1, 2])), .none,
             "input \"a\" has both data and binary_data_size"),
            // Binary data without the header: named before the JSON parser meets the bytes.
            (body(input, doubles([1, 2])), .some(.none), "input \"a\" has binary_data_size but the request has no Inference-Header-Content-Length header"),
            (body(#"{"inputs":[{"name":"a","datatype":"FP64","data":[1]}]}"#, doubles([1])), .some(.none), "Invalid JSON: Extra data"),
        ]
        for (b, header, words) in cases {
            guard case .failure(let e) = parse(b, header: header) else { XCTFail("accepted: \(words)"); continue }
            if words.isEmpty {
                XCTAssertTrue(e.message.contains("needs 16 bytes, got 12") || e.message.contains("follow"), e.message)
            } else {
                XCTAssertTrue(e.message.hasPrefix(words), "\(e.message) ≠ \(words)")
                if words.hasPrefix("Invalid JSON") { XCTAssertTrue(e.message.hasSuffix("needs the Inference-Header-Content-Length header)"), e.message) }
            }
        }
        let noHeader = #"{"inputs":[{"name":"a","datatype":"FP64","shape":[1],"parameters":{"binary_data_size":8}}]}"#
        guard case .failure(let e) = parse(body(noHeader, []), header: .some(.none)) else { return XCTFail() }
        XCTAssertEqual(e.message, "input \"a\" has binary_data_size but the request has no Inference-Header-Content-Length header")
    }

    func testJSONTensorsKeepTheirRules() throws {
        let b = body(#"{"inputs":[{"name":"a","datatype":"FP32","shape":[2,1],"data":[[0.1],[null]]}],"parameters":{"binary_data_output":true}}"#, [])
        let r = try parse(b, header: .some(.none)).get()
        XCTAssertEqual(r.inputs[0].values.first, Double(Float(0.1)))
        XCTAssertTrue(r.inputs[0].values[1].isNaN)
        XCTAssertTrue(r.wantsBinary("fraud_probability"))
        let bad = body(#"{"inputs":[{"name":"a","datatype":"INT32","shape":[1],"data":[1.5]}]}"#, [])
        XCTAssertEqual(parse(bad, header: .some(.none)), .failure(InferWireError("input \"a\": 1.5 is not a INT32 value")))
    }
}
