import CFuzzDriver
#if canImport(Glibc)
import Glibc
#endif

/// A fuzz target's `main`. Built with `-sanitize=fuzzer -DFUZZING` (scripts/fuzz.sh) it hands the
/// command line to libFuzzer; built plainly it runs the target over each file named on the command
/// line (every file of a directory), so a corpus or a crasher replays in any build.
public enum FuzzReplay {
    public static func main(_ target: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, target))
        #else
        run { target($0, $1) }
        exit(0)
        #endif
    }

    public static func run(_ target: (UnsafePointer<UInt8>, Int) -> Int32) {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            for file in files(path) {
                var bytes = read(file)
                bytes.append(0)  // a valid pointer even for an empty file
                _ = bytes.withUnsafeBufferPointer { target($0.baseAddress!, $0.count - 1) }
                count += 1
            }
        }
        print("replayed \(count) inputs")
    }

    private static func files(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [path] }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if !name.hasPrefix(".") { out.append(path + "/" + name) }
        }
        return out.sorted()
    }

    private static func read(_ path: String) -> [UInt8] {
        guard let f = fopen(path, "rb") else { fatalError("cannot open \(path)") }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return out
    }
}
