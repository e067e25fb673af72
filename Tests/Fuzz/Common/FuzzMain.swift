// The libFuzzer entry points shared by every fuzz binary. Each binary defines `harnesses` (name →
// harness); the harness to run is chosen by the name the binary is started under (`tools/fuzz build`
// makes one symbolic link per harness) or by `PRELOAD_FUZZ_HARNESS`. `PRELOAD_FUZZ_LIST=1` prints the
// names and exits.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks one input. A property that does not hold stops the process through ``require(_:_:file:line:)``,
/// which libFuzzer reports as a crash and saves the input.
typealias Harness = @Sendable ([UInt8]) -> Void

/// The harness chosen at start-up (written once, before the first input).
nonisolated(unsafe) private var selectedHarness: Harness?

@_cdecl("LLVMFuzzerInitialize")
func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    let names = harnesses.keys.sorted()
    if getenv("PRELOAD_FUZZ_LIST") != nil {
        for name in names { print(name) }
        exit(0)
    }
    var name = ""
    if let env = getenv("PRELOAD_FUZZ_HARNESS") {
        name = String(cString: env)
    } else if let arg0 = argv.pointee?.pointee {
        name = String(String(cString: arg0).split(separator: "/").last ?? "")
    }
    guard let harness = harnesses[name] else {
        let message = "fuzz: no harness '\(name)' in this binary; start it through a link named after one of: "
            + names.joined(separator: ", ") + " (or set PRELOAD_FUZZ_HARNESS)\n"
        _ = message.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        exit(64)
    }
    selectedHarness = harness
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedHarness!(bytes)
    return 0
}

/// Stops the process with `message` when `condition` is false: a broken property is a crash to libFuzzer.
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
             file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("property violated: \(message())", file: file, line: line) }
}

/// Splits `bytes` at every `separator`, keeping empty pieces (so `n` separators give `n + 1` pieces).
func pieces(_ bytes: [UInt8], separator: UInt8) -> [[UInt8]] {
    bytes.split(separator: separator, omittingEmptySubsequences: false).map(Array.init)
}

/// The text of `bytes` when they are valid UTF-8.
func utf8(_ bytes: [UInt8]) -> String? { String(validating: bytes, as: UTF8.self) }
