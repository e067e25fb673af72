// Fuzz harnesses over PreloadIDNA: user input with U-labels, converted by libidn2.
import PreloadCore
import PreloadIDNA

let harnesses: [String: Harness] = [
    "idna": fuzzIDNA
]

/// Names given by people (`preload submit`, `check`, `lint --mx`), possibly with U-labels. ASCII input takes
/// the plain `DomainName` path; any accepted name is a valid lowercase A-label name that re-parses and
/// re-normalises to itself; the converter never returns a non-ASCII "A-label" form; A-labels the converter
/// made from U-labels decode to a display form that converts back to them, and so does the whole name made
/// from U-labels. (An ASCII `xn--` label that is not valid Punycode is accepted as LDH text, like any
/// other ASCII label, and may have no display form.)
@Sendable func fuzzIDNA(_ input: [UInt8]) {
    let text = String(decoding: input, as: UTF8.self)
    let idna = LibIDN2Converter()
    if case .success(let ascii) = idna.toASCII(text) {
        require(ascii.utf8.allSatisfy { $0 < 0x80 && $0 != 0 }, "toASCII('\(text)') gave non-ASCII '\(ascii)'")
    }
    _ = idna.toUnicode(text)
    let name = try? DomainName(normalizing: text, idna: idna)
    let isASCII = text.utf8.allSatisfy { $0 < 0x80 }
    if isASCII {
        require(name == (try? DomainName(text)), "ASCII input '\(text)' normalised to \(String(describing: name))")
    }
    guard let name else { return }
    require(name.value.utf8.allSatisfy { $0 < 0x80 } && name.value == name.value.lowercased(), "\(name) is not lowercase ASCII")
    require((try? DomainName(name.value)) == name, "\(name) does not re-parse to itself")
    require((try? DomainName(normalizing: name.value, idna: idna)) == name, "\(name) does not normalise to itself")
    let converted = !isASCII && !text.lowercased().contains("xn--")
    var allRoundTrip = true
    for label in name.labels where label.hasPrefix("xn--") {
        let display = idna.toUnicode(String(label))
        let back = display.flatMap { try? idna.toASCII($0).get() }
        if back != String(label) {
            require(!converted, "the converter made the A-label \(label) of '\(text)', which shows as \(String(describing: display)) and converts back to \(String(describing: back))")
            allRoundTrip = false
        }
    }
    // A name the converter made passed libidn2's rules as a whole, so its display form converts back. (An
    // ASCII name may hold labels those rules refuse, such as `ab--c`, which plain LDH allows.)
    guard converted, allRoundTrip, let display = idna.toUnicode(name.value) else { return }
    let back = try? DomainName(normalizing: display, idna: idna)
    require(back == name, "\(name) shown as '\(display)' normalises to \(String(describing: back))")
}
