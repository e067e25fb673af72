import PreloadCore
import PreloadIDNA
import Testing

/// libidn2 with UTS-46 non-transitional processing, checked against public vectors.
@Suite struct IDNATests {
    let idna = LibIDN2Converter()

    private func ascii(_ s: String) -> String? { try? idna.toASCII(s).get() }

    /// RFC 3492 §7.1 sample strings that are valid IDNA2008 labels. UTS-46 maps upper case to lower
    /// case, so the samples written with capitals give the lowercase form of the RFC's encoding.
    @Test(arguments: [
        ("他们为什么不说中文", "xn--ihqwcrb4cv8a8dqg056pqjye"),  // (B) Chinese (simplified)
        ("他們爲什麽不說中文", "xn--ihqwctvzc91f659drss3x8bo0yb"),  // (C) Chinese (traditional)
        ("Pročprostěnemluvíčesky", "xn--proprostnemluvesky-uyb24dma41a"),  // (D) Czech
        ("למההםפשוטלאמדבריםעברית", "xn--4dbcagdahymbxekheh6e0a7fei0b"),  // (E) Hebrew
        ("なぜみんな日本語を話してくれないのか", "xn--n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa"),  // (G) Japanese
        ("почемужеонинеговорятпорусски", "xn--b1abfaaepdrnnbgefbadotcwatmq2g4l"),  // (I) Russian
        ("PorquénopuedensimplementehablarenEspañol", "xn--porqunopuedensimplementehablarenespaol-fmd56a"),  // (J)
        ("3年B組金八先生", "xn--3b-ww4c5e180e575a65lsy2b"),  // (L)
        ("パフィーdeルンバ", "xn--de-jg4avhby1noc0d"),  // (Q)
        ("そのスピードで", "xn--d9juau41awczczp"),  // (R)
    ])
    func rfc3492Samples(unicode: String, aLabel: String) {
        #expect(ascii(unicode + ".example") == aLabel + ".example")
        #expect(idna.toUnicode(aLabel + ".example") == unicode.lowercased() + ".example")
    }

    @Test func labelsLongerThan63OctetsAreRejected() {
        // RFC 3492 sample (H), Korean: its A-label is 75 octets.
        #expect(ascii("세계의모든사람들이한국어를이해한다면얼마나좋을까.example") == nil)
    }

    @Test func uts46NonTransitionalMapping() {
        #expect(ascii("ß.de") == "xn--zca.de")  // non-transitional: ß is kept, not mapped to "ss"
        #expect(ascii("faß.de") == "xn--fa-hia.de")
        #expect(ascii("straße.de") == "xn--strae-oqa.de")
        #expect(ascii("βόλος.com") == "xn--nxasmm1c.com")  // final sigma kept
        #expect(ascii("BÜCHER.DE") == "xn--bcher-kva.de")  // upper case mapped
        #expect(ascii("Bücher.de") == "xn--bcher-kva.de")
        #expect(ascii("ｂüｃｈｅｒ．ｄｅ") == "xn--bcher-kva.de")  // full-width forms and full stop mapped
        #expect(ascii("bu\u{0308}cher.de") == "xn--bcher-kva.de")  // NFC first
        #expect(ascii("bücher。de") == "xn--bcher-kva.de")  // ideographic full stop
    }

    @Test(arguments: ["a\u{E000}.de", "\u{FFFD}.de", "a\u{2028}b.de", "a\u{0}b.de", "ü\u{0001}.de", "ü\u{00A0}.de"])
    func disallowedCharactersAreRejected(name: String) {
        let result = idna.toASCII(name)
        guard case .failure(let error) = result else {
            Testing.Issue.record("\(name.unicodeScalars.map { String($0.value, radix: 16) }) was accepted as \(result)")
            return
        }
        #expect(error.code == "domain.idna")
    }

    @Test func errorsCarryLibidn2sMessage() throws {
        guard case .failure(.idna(let message)) = idna.toASCII("a\u{E000}.de") else {
            Testing.Issue.record("expected an IDNA failure")
            return
        }
        #expect(message.contains("IDN2_"), "the symbolic libidn2 error name is included")
    }

    @Test func displayFormDecodesALabels() {
        #expect(idna.toUnicode("xn--bcher-kva.de") == "bücher.de")
        #expect(idna.toUnicode("mail.example.com") == "mail.example.com")
    }
}
