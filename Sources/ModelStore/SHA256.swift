import COpenSSL

/// SHA-256 through OpenSSL's EVP interface, as lowercase hex (the form manifests carry).
public enum SHA256 {
    public static func hex(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            digest.withUnsafeMutableBufferPointer { out in
                EVP_Digest(input.baseAddress, input.count, out.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(sha256) failed")
        let hexDigits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for b in digest.prefix(32) {
            text.append(hexDigits[Int(b >> 4)])
            text.append(hexDigits[Int(b & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
