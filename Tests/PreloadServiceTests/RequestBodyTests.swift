import Foundation
import Testing
@testable import PreloadService

/// The request bodies of `preload serve`: JSON bodies of API v1 and form bodies of the web pages.
@Suite struct RequestBodyTests {
    func json(_ text: String) -> Result<RequestBodies.Contact, RequestBodies.JSONBodyError> {
        RequestBodies.decode(RequestBodies.Contact.self, Array(text.utf8))
    }

    @Test func aJSONBodyDecodesOrSaysWhyNot() throws {
        #expect(try json(#"{"contact":"a@b.test","other":[1,2.5e3,true,null,{"x":"\u00e9\ud83d\ude00"}]}"#).get()
            == RequestBodies.Contact(contact: "a@b.test"))
        guard case .failure(let missing) = json(#"{"contakt":"a@b.test"}"#) else { Issue.record("accepted"); return }
        #expect(missing.why == "the member 'contact' is missing")
        guard case .failure(let broken) = json("{") else { Issue.record("accepted"); return }
        #expect(broken.why == "not valid JSON")
        guard case .failure(let deep) = json(#"{"contact":"a@b.test","x":"# + String(repeating: "[", count: 70)
                                             + String(repeating: "]", count: 70) + "}") else { Issue.record("accepted"); return }
        #expect(deep.why.contains("nested"))
    }

    @Test func formFieldsDecodeLikeBrowsersSendThem() {
        let fields = RequestBodies.formFields(Array("domain=b%C3%BCcher.example&contact=a%40b.test&mode=enforce&x=1+2&x=3&flag&bad=%zz".utf8))
        #expect(fields == ["domain": "bücher.example", "contact": "a@b.test", "mode": "enforce", "x": "1 2", "flag": "", "bad": "%zz"])
        #expect(RequestBodies.formFields(Array("k=%2B%26%3D".utf8)) == ["k": "+&="])
        #expect(RequestBodies.formFields(Array("u=%C3".utf8)) == ["u": "%C3"], "escapes that are not UTF-8 are kept as given")
    }
}

/// Inputs the fuzz harnesses `service-json` and `service-form` found (also in their corpora as
/// `regression-…`): each once made the service read a body differently from another reader.
@Suite struct ServiceFuzzFindingsTests {
    /// The harness input: the first byte picks the endpoint (2: contacts, 3: contact confirmation).
    func decodes(_ base64: String) -> Bool {
        let input = [UInt8](Data(base64Encoded: base64)!)
        switch input.first! % 4 {
        case 2: if case .success = RequestBodies.decode(RequestBodies.Contact.self, Array(input.dropFirst())) { return true }
        default: if case .success = RequestBodies.decode(RequestBodies.Code.self, Array(input.dropFirst())) { return true }
        }
        return false
    }

    @Test("bodies other JSON readers refuse or read otherwise are refused", arguments: [
        // A member given twice: we took the first, JSONSerialization (and many proxies) the last.
        "AnsiY29udGFjdCI6ImFAYi50ZXN0IiwiY29udGFjdCI6ImNAZC50ZXN0In0=",
        // Invalid UTF-8 inside a member the endpoint ignores.
        "AnsiY29udGFjdCI6ImFAYi50ZXN0IiwiY29udFhjdCI6ImNAZC50ZYF0In0=",
        // Unescaped control characters (U+0003, U+0000) inside a string.
        "AnsiY29PYmplY3RudGFjdCI6ImFAYi4DAAAAIiwiY29udGFjdCI6ImNAZC50ZXN0In0=",
        // An unknown escape (\.) in an ignored member.
        "AnsiY29ud3d3d3d3d3dcInd3d1wid3d3d3dcIiI6ImFgQFwudGVzdCIsImNvbnRhY3QiOiJjIn0=",
        // A lone surrogate escape (\ud800).
        "AnsiY29ud3d3d3d3d3dcInd3d3d3d3d3XCIiOiJhXHVkODAwYEBiLnRlc3QiLCJjb250YWN0IjoiYyJ9",
        // A number beyond the range of a double.
        "AyAgeyJ0b2tlbiIgOiAieCIgLCAiZXh0cmEiOiB7ImRlZWVuIiA6ICJ4IiAsICJleHAiOiBbNDQ0NDQ0NDQ0NDQ0NDQ0NDQxZTk5OTQsIHRydWUsIG51bGxdfX0gIA==",
    ])
    func ambiguousJSONIsRefused(_ input: String) {
        #expect(!decodes(input))
    }

    /// `&` and `=` followed by a combining mark were not separators (the fields were split by Characters,
    /// and `&` + U+0301 is one Character): `a=1&́b=2` gave one field `a` = `1&́b=2`.
    @Test func separatorsBeforeACombiningMarkStillSeparate() {
        let input: [UInt8] = Array("a=1&".utf8) + [0xCC, 0x81] + Array("b=2&c=".utf8) + [0xCC, 0x81] + Array("x=y".utf8)
        #expect(RequestBodies.formFields(input) == ["a": "1", "\u{301}b": "2", "c": "\u{301}x=y"])
    }
}
