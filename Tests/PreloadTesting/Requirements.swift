import Testing

/// The one skip policy of the tests: a test that needs something the machine may lack says so with a
/// condition trait, and is then reported as skipped with the reason — never an early `return` that passes.
///
/// What the project itself provides is not optional: the `preload` binary (``Tool/preloadBinary()``) and the
/// test bed (``NetTestBed/shared``) fail the tests that need them when they are missing.
extension Trait where Self == ConditionTrait {
    /// Enabled when `tool` is in `PATH` (or is an executable path); skipped otherwise, saying `why` it is needed.
    public static func requires(tool: String, _ why: String) -> Self {
        .enabled(if: Tool.isAvailable(tool), Comment(rawValue: "needs \(tool) (\(why)), which is not installed"))
    }

    /// Enabled when the test bed serves IPv6 on loopback (`ipv6` in its env.json); skipped otherwise. A test
    /// bed that cannot be loaded fails the test.
    public static var requiresTestBedIPv6: Self {
        .enabled("needs IPv6 on the test bed's loopback (env.json says ipv6: false)") { try await NetTestBed.shared.ipv6 }
    }
}
