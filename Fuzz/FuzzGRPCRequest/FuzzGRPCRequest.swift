import FuzzReplay
import InferenceWire

/// libFuzzer target: a gRPC ModelInfer call's body (5-byte prefix, then the ModelInferRequest),
/// through the framing and the protobuf decoder the server uses. The parser answers or throws:
/// AddressSanitizer reports any read past the buffer.
func fuzzGRPCRequest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let body = UnsafeRawBufferPointer(start: data, count: size)
    _ = GRPCMessage.timeoutMicroseconds(UnsafeRawBufferPointer(rebasing: body.prefix(9)))
    guard let message = try? GRPCMessage.unary(body, maxBytes: 1 << 20) else { return 0 }
    if let request = try? ModelInferWire.decodeRequest(message) {
        for input in request.infer.inputs {
            let count = try? InferInput.elementCount(input.shape, name: input.name, limit: Int.max)
            precondition(count == input.values.count, "shape and values disagree")
        }
    }
    return 0
}

@main struct Main {
    static func main() { FuzzReplay.main(fuzzGRPCRequest) }
}
