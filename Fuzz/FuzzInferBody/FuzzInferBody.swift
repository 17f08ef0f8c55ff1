import FuzzReplay
import InferenceWire

/// libFuzzer target: a REST inference body with the binary tensor data extension. The first two
/// bytes choose the Inference-Header-Content-Length (0xFFFF: no header); the rest is the body.
/// Whatever the bytes, the parser answers or throws `InferWireError`: AddressSanitizer reports any
/// read past the buffer.
func fuzzInferBody(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    guard size >= 2 else { return 0 }
    let choice = Int(data[0]) << 8 | Int(data[1])
    let body = UnsafeRawBufferPointer(start: data + 2, count: size - 2)
    let header: Int? = choice == 0xFFFF ? nil : choice
    if let request = try? InferRequest.rest(body, headerLength: header) {
        for input in request.inputs {
            let count = try? InferInput.elementCount(input.shape, name: input.name, limit: Int.max)
            precondition(count == input.values.count, "shape and values disagree")
        }
    }
    return 0
}

@main struct Main {
    static func main() { FuzzReplay.main(fuzzInferBody) }
}
