/// A contiguous range of the per-row scratch vector holding one ONNX value of one row.
struct ScratchRange: Sendable {
    var offset: Int
    var width: Int
}
