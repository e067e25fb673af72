import PreloadCore

/// A verified list prepared for lookups: entries by domain with aliases resolved. Made only from a list
/// that passed verification (``init(verified:)``), so holding one means the list may be consulted.
public struct ListIndex: Sendable {
    /// The list's serial.
    public let serial: UInt64
    /// When it was generated.
    public let generated: Timestamp
    /// When it expires; its entries no longer apply from then on.
    public let expires: Timestamp
    /// Who published it.
    public let publisher: String
    /// The list itself (for rendering maps).
    public let list: PreloadList
    private let entries: [DomainName: ListEntryPolicy]

    /// Indexes a list. Package-internal: outside the package, only ``init(verified:)`` makes one.
    package init(checkedList list: PreloadList) {
        self.list = list
        serial = list.serial
        generated = list.generated
        expires = list.expires
        publisher = list.publisher
        var entries: [DomainName: ListEntryPolicy] = [:]
        for entry in list.entries {
            guard let policy = list.resolvedPolicy(of: entry), !policy.mx.isEmpty else { continue }
            entries[entry.domain] = ListEntryPolicy(mode: policy.mode, mx: policy.mx, listExpires: list.expires)
        }
        self.entries = entries
    }

    /// The entry for `domain`, if listed. Exact names only: a subdomain never inherits a listed parent.
    public func entry(for domain: DomainName) -> ListEntryPolicy? { entries[domain] }

    /// How many domains the list enforces or tests.
    public var count: Int { entries.count }

    /// Whether the list has expired at `now`.
    public func isExpired(at now: Timestamp) -> Bool { expires <= now }
}
