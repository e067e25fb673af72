import CIDN2
import PreloadCore

/// Converts domain names between U-labels and A-labels with libidn2: IDNA2008 with UTS-46
/// non-transitional mapping (`ß` stays `ß` and becomes `xn--zca`, upper case is mapped to lower case,
/// the input is NFC-normalised first).
///
/// libidn2's conversion functions are pure and thread-safe, so this value may be used from any task.
public struct LibIDN2Converter: IDNAConverting {
    /// A converter with the project's one set of IDNA options.
    public init() {}

    /// The A-label form of `name` (every label converted; ASCII labels lowercased), or why it has none.
    public func toASCII(_ name: String) -> Result<String, DomainNameError> {
        guard !name.utf8.contains(0) else { return .failure(.idna("the name contains a NUL character")) }
        var output: UnsafeMutablePointer<CChar>?
        let flags = Int32(IDN2_NFC_INPUT.rawValue | IDN2_NONTRANSITIONAL.rawValue)
        let rc = idn2_to_ascii_8z(name, &output, flags)
        defer { preload_idn2_free(output) }
        guard rc == IDN2_OK.rawValue, let output else { return .failure(Self.error(rc)) }
        return .success(String(cString: output))
    }

    /// The display form of `name`, with A-labels decoded to Unicode; `nil` when a label does not
    /// decode. Use it for showing names to people, never for comparing them.
    public func toUnicode(_ name: String) -> String? {
        guard !name.utf8.contains(0) else { return nil }
        var output: UnsafeMutablePointer<CChar>?
        let rc = idn2_to_unicode_8z8z(name, &output, 0)
        defer { preload_idn2_free(output) }
        guard rc == IDN2_OK.rawValue, let output else { return nil }
        return String(cString: output)
    }

    /// The one error-translation point for libidn2: its own message and symbolic name for `rc`.
    private static func error(_ rc: Int32) -> DomainNameError {
        let message = idn2_strerror(rc).map { String(cString: $0) } ?? "libidn2 error"
        let name = idn2_strerror_name(rc).map { String(cString: $0) } ?? "\(rc)"
        return .idna("\(message) (\(name))")
    }
}
