import PreloadTesting

/// Random inputs for parser fuzzing: random bytes, and mutations of valid inputs.
enum Fuzz {
    /// Bytes that matter to the grammars, over-represented so mutations reach interesting paths.
    static let interesting: [UInt8] = Array("=;:, \t\r\n*.-_%@/?#[]vV0123456789aAzZ".utf8) + [0x00, 0x7F, 0x80, 0xC3, 0xA9, 0xFF]

    /// `count` random bytes.
    static func bytes(_ count: Int, using rng: inout SeededGenerator) -> [UInt8] {
        (0..<count).map { _ in
            Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
        }
    }

    /// `input` with a few random insertions, deletions, replacements and duplications.
    static func mutate(_ input: [UInt8], using rng: inout SeededGenerator) -> [UInt8] {
        var b = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let i = b.isEmpty ? 0 : Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: b.insert(interesting.randomElement(using: &rng)!, at: i)
            case 1: if !b.isEmpty { b.remove(at: i) }
            case 2: if !b.isEmpty { b[i] = interesting.randomElement(using: &rng)! }
            case 3: if !b.isEmpty { b[i] = UInt8.random(in: 0...255, using: &rng) }
            default:
                let j = min(b.count, i + Int.random(in: 0...8, using: &rng))
                b.insert(contentsOf: b[i..<j], at: i)
            }
        }
        return b
    }
}
