/// The Open Inference Protocol's tensor datatypes that a feature matrix can come in, with their
/// sizes in the protocol's raw (binary, little-endian, row-major) form.
public enum TensorDatatype: String, Sendable, CaseIterable {
    case BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES

    /// Bytes per element in raw form; nil for BYTES (each element is length-prefixed).
    public var width: Int? {
        switch self {
        case .BOOL, .UINT8, .INT8: 1
        case .UINT16, .INT16, .FP16: 2
        case .UINT32, .INT32, .FP32: 4
        case .UINT64, .INT64, .FP64: 8
        case .BYTES: nil
        }
    }

    /// The names accepted as numeric model inputs, for error messages.
    public static let numericNames = "BOOL, INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64, FP16, FP32 or FP64"

    /// Appends the `count` elements in `raw` (exactly `count * width` bytes) as Doubles: FP32 and
    /// FP16 values widen exactly, integers convert as a client's array would (INT64 and UINT64 beyond
    /// 2^53 round to the nearest Double).
    public func appendRaw(_ raw: UnsafeRawBufferPointer, count: Int, to out: inout [Double]) {
        precondition(width.map { raw.count == count * $0 } ?? false, "appendRaw: size does not match")
        out.reserveCapacity(out.count + count)
        switch self {
        case .BOOL: for i in 0..<count { out.append(raw[i] != 0 ? 1 : 0) }
        case .UINT8: for i in 0..<count { out.append(Double(raw[i])) }
        case .INT8: for i in 0..<count { out.append(Double(Int8(bitPattern: raw[i]))) }
        case .UINT16: for i in 0..<count { out.append(Double(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))) }
        case .INT16: for i in 0..<count { out.append(Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))) }
        case .FP16:
            for i in 0..<count {
                out.append(TensorDatatype.half(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
            }
        case .UINT32: for i in 0..<count { out.append(Double(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))) }
        case .INT32: for i in 0..<count { out.append(Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))) }
        case .FP32:
            for i in 0..<count {
                let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                out.append(Double(Float(bitPattern: bits)))
            }
        case .UINT64: for i in 0..<count { out.append(Double(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
        case .INT64: for i in 0..<count { out.append(Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))) }
        case .FP64:
            for i in 0..<count {
                out.append(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        case .BYTES: break
        }
    }

    /// An IEEE 754 half-precision value (as numpy's float16), exactly as a Double.
    static func half(_ h: UInt16) -> Double {
        let sign: Double = h & 0x8000 != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1F), fraction = Double(h & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    /// A value as the datatype holds it: FP32 narrows (as the client's float32 array would), FP16
    /// narrows to half precision, integer types must hold the value exactly. Nil when they cannot.
    public func narrow(_ value: Double) -> Double? {
        switch self {
        case .FP64: return value
        case .FP32: return Double(Float(value))
        case .FP16: return value.isFinite ? TensorDatatype.roundedToHalf(value) : value
        case .BOOL: return value == 0 || value == 1 ? value : nil
        case .BYTES: return nil
        default:
            guard value.isFinite, value == value.rounded(.towardZero) else { return nil }
            let (lo, hi): (Double, Double) = switch self {
            case .INT8: (-128, 127)
            case .INT16: (-32768, 32767)
            case .INT32: (-2147483648, 2147483647)
            case .INT64: (-0x1p63, 0x1p63)
            case .UINT8: (0, 255)
            case .UINT16: (0, 65535)
            case .UINT32: (0, 4294967295)
            default: (0, 0x1p64)
            }
            return value >= lo && value <= hi ? value : nil
        }
    }

    /// Rounds to the nearest half-precision value (ties to even), through Float.
    static func roundedToHalf(_ value: Double) -> Double {
        let f = Float(value)
        guard abs(f) < 65520 else { return f.sign == .minus ? -.infinity : .infinity }
        // Half has 11 significant bits; below 2^-14 its spacing is fixed at 2^-24.
        let exponent = max(Int(f.exponent), -14)
        let quantum = Float(sign: .plus, exponent: exponent - 10, significand: 1)
        return Double((f / quantum).rounded(.toNearestOrEven) * quantum)
    }
}
