/// The one catalogue of issue codes. Codes are never renamed or reused; add new ones, in their group.
///
/// Each entry gives the default severity, a one-line summary, and what to do about it.
public enum IssueCatalogue {
    /// One catalogue entry.
    public struct Entry: Sendable, Hashable {
        public let code: IssueCode
        public let severity: Severity
        public let summary: String
        public let fix: String
    }

    private static func e(_ code: IssueCode, _ severity: Severity, _ summary: String, _ fix: String) -> Entry {
        Entry(code: code, severity: severity, summary: summary, fix: fix)
    }

    /// Every code, in catalogue order.
    public static let all: [Entry] = [
        // Domain names
        e(.domainInvalid, .error, "The domain name is not a valid host name.",
          "Give an LDH domain name of at least two labels (U-labels are converted to A-labels)."),

        // DNS
        e(.dnsLookupFailed, .error, "A DNS lookup failed (SERVFAIL, timeout or bogus DNSSEC).",
          "Make sure the domain's authoritative servers answer and its DNSSEC chain, if any, validates."),

        // MX set
        e(.mxMissing, .error, "The domain has no MX records.",
          "Publish MX records naming the hosts that receive mail for the domain."),
        e(.mxNull, .error, "The domain publishes a null MX (RFC 7505): it receives no mail.",
          "A domain that accepts no mail has nothing to preload."),
        e(.mxUnresolvable, .error, "An MX host name has no A or AAAA records.",
          "Publish addresses for every MX host, or remove the MX record."),
        e(.mxInvalid, .error, "An MX record names something that is not a valid host name.",
          "Point every MX record at a host name (LDH labels, not an IP address)."),

        // SMTP and TLS
        e(.smtpUnreachable, .error, "An MX address did not accept an SMTP connection or sent no usable banner.",
          "Make every address of every MX host reachable on port 25."),
        e(.smtpStarttlsMissing, .error, "The MX server does not offer STARTTLS.",
          "Enable STARTTLS on the mail server."),
        e(.smtpStarttlsFailed, .error, "STARTTLS was offered but the TLS handshake failed.",
          "Check the server's TLS configuration and certificate."),
        e(.smtpProtocolError, .error, "The MX server answered with something that is not valid SMTP.",
          "Check the mail server (or what listens on port 25)."),
        e(.tlsVersionTooOld, .error, "The server negotiated a TLS version below 1.2 (RFC 8461 §7.2).",
          "Enable TLS 1.2 or 1.3 on the server."),
        e(.tlsCertUntrusted, .error, "The certificate does not chain to a trusted root.",
          "Serve the full chain from a publicly trusted CA."),
        e(.tlsCertExpired, .error, "The certificate has expired or is not yet valid.",
          "Renew the certificate."),
        e(.tlsCertNameMismatch, .error, "The certificate is not valid for the host name (SAN DNS-ID).",
          "Get a certificate whose subjectAltName covers the host name (CN alone does not count)."),
        e(.tlsCertExpiringSoon, .warning, "The certificate expires within 14 days.",
          "Renew the certificate soon; automate renewal."),

        // DANE for SMTP (RFC 7672, RFC 7671): DNSSEC-validated TLSA records at _25._tcp.HOST
        e(.daneTlsaMismatch, .error,
          "No usable TLSA record matches the certificate chain an MX address serves: DANE senders will not deliver to it.",
          "Publish the TLSA record of the certificate or key now served (e.g. `3 1 1` of its public key), and publish the next one before every change (RFC 7671 §8.1)."),
        e(.daneTlsaBogus, .error,
          "The TLSA RRset of an MX host fails DNSSEC validation (bogus): DANE senders defer all mail to that host.",
          "Re-sign the zone (expired or broken RRSIG), and check that the DS at the parent matches the zone's keys."),
        e(.daneTlsaUnusable, .warning,
          "The MX host's TLSA RRset has no record usable for SMTP: only PKIX-TA(0)/PKIX-EE(1) usages, unknown parameters or malformed data (RFC 7672 §3.1.3); DANE senders fall back to unauthenticated TLS.",
          "Publish DANE-EE `3 1 1` (public key of the server certificate) or DANE-TA `2 1 1` (public key of the issuing CA) records."),
        e(.daneTlsaMalformed, .warning,
          "A TLSA record is malformed (truncated, no data, a digest of the wrong length, or full data that is not DER): senders ignore it.",
          "Publish `usage selector matching-type data`, e.g. `3 1 1` with the 64 hex digits of a SHA-256 digest."),
        e(.daneNoRollover, .warning,
          "Nothing would match after the next key or certificate change: every usable TLSA record names the current key only (RFC 7671 §8.1).",
          "Publish the next key's record beside the current one (`3 1 1` current + `3 1 1` next), or a DANE-TA record of the issuing CA, at least two TTLs before the change."),
        e(.daneTaNameMismatch, .error,
          "A DANE-TA(2) record matches the served chain, but the certificate names neither the MX host nor the domain (RFC 7672 §3.2.2).",
          "Put the MX host name in the certificate's subjectAltName, or publish DANE-EE(3) records, which check no names."),
        e(.danePartialCoverage, .warning,
          "Some MX hosts have DNSSEC-validated, usable TLSA records and others do not: DANE senders authenticate only the former.",
          "Publish TLSA records, in signed zones, for every MX host."),
        e(.daneMxInsecure, .info,
          "The domain's MX RRset is not DNSSEC-signed (insecure): senders do not use DANE for it (RFC 7672 §2.2.1).",
          "Nothing to do unless you want DANE: sign the zone and publish its DS at the parent, then TLSA records for the MX hosts."),
        e(.daneHostInsecure, .info,
          "The MX RRset is signed, but an MX host's address or TLSA records are not: senders do not use DANE for that host (RFC 7672 §2.2.2).",
          "Sign the MX host's zone (or move the host into a signed zone) and publish its TLSA records there."),
        e(.daneNotListable, .info,
          "The MX hosts authenticate only through DANE: their certificates are not valid in the Web PKI, so the domain is not listed; DANE already protects it from the first message on.",
          "Nothing to do for DANE senders. To be listed too, serve certificates from a publicly trusted CA and keep the TLSA records matching them."),

        // Where the checker may connect (the public service's SSRF guard)
        e(.netAddressNotPublic, .error,
          "An MX or MTA-STS policy host resolves to an address that is not public (loopback, private, link-local, CGNAT, multicast, documentation, reserved, or an IPv4-mapped form of these); the public checker does not connect there.",
          "Publish only public unicast addresses for every MX host and for mta-sts.DOMAIN; senders on the Internet cannot reach the others."),

        // The check as a whole
        e(.checkDeadlineExceeded, .error,
          "The domain's check did not finish within the per-domain deadline (`--domain-timeout`).",
          "Make every address of every MX host answer promptly; the finding names the steps still pending."),

        // MTA-STS TXT record
        e(.mtaStsTxtMissing, .warning, "No `_mta-sts` TXT record starting with `v=STSv1`.",
          "Publish `_mta-sts.DOMAIN TXT \"v=STSv1; id=...\"` to announce an MTA-STS policy."),
        e(.mtaStsTxtInvalid, .error, "The `_mta-sts` TXT record does not follow RFC 8461 §3.1.",
          "Publish `v=STSv1; id=ID` with ID of 1-32 letters and digits."),
        e(.mtaStsTxtMultiple, .error, "More than one `_mta-sts` TXT record starts with `v=STSv1`.",
          "Keep exactly one `v=STSv1` record; with several, senders treat the domain as having no policy."),
        e(.mtaStsTxtErratum6285, .warning,
          "Space before the first `;` — valid ABNF (erratum 6285) but some senders' filters reject it.",
          "Write `v=STSv1;` with no space before the semicolon."),
        e(.mtaStsTxtNonAscii, .error, "The TXT record contains non-ASCII bytes.",
          "Use US-ASCII only."),
        e(.mtaStsTxtUnknownField, .info, "The TXT record has an extension field senders ignore.",
          "Nothing to do unless the field is a typo."),

        // MTA-STS policy
        e(.mtaStsPolicyFetchFailed, .error, "The MTA-STS policy could not be fetched over HTTPS.",
          "Serve https://mta-sts.DOMAIN/.well-known/mta-sts.txt with status 200."),
        e(.mtaStsPolicyTlsInvalid, .error, "The policy host's certificate is not valid for mta-sts.DOMAIN.",
          "Serve a trusted, unexpired certificate whose SAN covers mta-sts.DOMAIN."),
        e(.mtaStsPolicyRedirect, .error, "The policy URL answered with a redirect; senders must not follow it.",
          "Serve the policy directly with status 200."),
        e(.mtaStsPolicyContentType, .error,
          "The policy is not served as text/plain; widely used senders then ignore it (RFC 8461 §3.3).",
          "Serve the policy with `Content-Type: text/plain` (a `charset` parameter is fine)."),
        e(.mtaStsPolicyTooLarge, .error, "The policy body is larger than 64 KiB.",
          "Keep the policy small; it only needs version, mode, mx and max_age."),
        e(.mtaStsPolicyInvalid, .error, "The policy body does not follow RFC 8461 §3.2.",
          "Fix the policy lines named in the finding."),
        e(.mtaStsPolicyMxUncovered, .error, "An MX host is not matched by any `mx` pattern of the policy.",
          "Add the MX host (or a `*.` pattern covering it) to the policy, or fix the MX record."),
        e(.mtaStsPolicyModeTesting, .warning, "The policy mode is `testing`: senders do not enforce it.",
          "Move to `mode: enforce` once TLS-RPT reports are clean."),
        e(.mtaStsPolicyModeNone, .error, "The policy mode is `none`: the domain opted out of MTA-STS.",
          "Publish `mode: enforce` (or `testing`) to take part."),
        e(.mtaStsPolicyVersion, .error, "The policy's `version` is missing or not `STSv1`.",
          "Start the policy with `version: STSv1`."),
        e(.mtaStsPolicyMode, .error, "The policy's `mode` is missing or not enforce, testing or none.",
          "Add `mode: enforce` (values are case-sensitive)."),
        e(.mtaStsPolicyMaxAge, .error, "The policy's `max_age` is missing, not an integer, or above 31557600.",
          "Give `max_age` in seconds, at most 31557600 (erratum 7282); a week or more is usual."),
        e(.mtaStsPolicyMaxAgeShort, .warning, "The policy's `max_age` is under one day.",
          "Use a longer max_age (RFC 8461 suggests weeks) so that senders keep the policy."),
        e(.mtaStsPolicyMxMissing, .error, "The policy has no `mx` line although its mode is not `none`.",
          "List every MX host (or `*.` pattern) in `mx:` lines."),
        e(.mtaStsPolicyMxInvalid, .error, "An `mx` value is not an A-label domain or `*.` + domain.",
          "Write MX patterns as A-labels, e.g. `mx: mail.example.com` or `mx: *.example.net`."),
        e(.mtaStsPolicyLineInvalid, .error, "A policy line is not `key: value`.",
          "Write each line as `key: value` with no leading whitespace."),
        e(.mtaStsPolicyDuplicateKey, .warning, "A key other than `mx` appears more than once; the first wins.",
          "Remove the duplicate line."),
        e(.mtaStsPolicyUnknownKey, .info, "The policy has a key senders ignore.",
          "Nothing to do unless the key is a typo (keys are case-sensitive)."),
        e(.mtaStsPolicyNonAscii, .error, "The policy contains non-ASCII or control bytes.",
          "Use printable US-ASCII."),
        e(.mtaStsPolicyBlankLine, .warning, "The policy has an empty line, which the RFC 8461 grammar does not allow.",
          "Remove empty lines; strict senders reject the policy."),
        e(.mtaStsPolicyLimitExceeded, .error, "A policy line is too long, or the policy has too many mx lines.",
          "Keep lines under 1024 bytes and the mx lines under 1000; use `*.` patterns for large fleets."),

        // TLS-RPT
        e(.tlsRptMissing, .warning, "No `_smtp._tls` TXT record starting with `v=TLSRPTv1`.",
          "Publish `_smtp._tls.DOMAIN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@DOMAIN\"` to receive failure reports."),
        e(.tlsRptInvalid, .warning,
          "The `_smtp._tls` TXT record does not follow RFC 8460 §3: senders send no reports (TLS-RPT is optional).",
          "Publish `v=TLSRPTv1; rua=mailto:...` (or https:) URIs, comma-separated."),
        e(.tlsRptMultiple, .warning,
          "More than one `_smtp._tls` TXT record starts with `v=TLSRPTv1`: senders send no reports (TLS-RPT is optional).",
          "Keep exactly one `v=TLSRPTv1` record."),
        e(.tlsRptSpaceBeforeSemicolon, .warning,
          "Space before the first `;` — valid ABNF but senders that filter on `v=TLSRPTv1;` ignore the record.",
          "Write `v=TLSRPTv1;` with no space before the semicolon."),
        e(.tlsRptWhitespace, .warning,
          "The record ends in whitespace (after the last URI, or around a final `;`): common parsers strip it, strict ones may not.",
          "Remove the trailing whitespace, e.g. `v=TLSRPTv1; rua=mailto:tlsrpt@DOMAIN` with nothing after the URI."),
        e(.tlsRptUnknownField, .info, "The TLS-RPT record has an extension field senders ignore.",
          "Nothing to do unless the field is a typo."),

        // Curation
        e(.curationMxUncovered, .error, "An MX host is not covered by the MX patterns of the domain's list entry.",
          "Give `--mx` patterns that cover every MX host, or fix the MX records (an `mta-sts` entry follows its policy)."),

        // Preload list files
        e(.listInvalid, .error, "The list file does not follow the preload list format.",
          "Fix the field named in the finding; see policy-schema/README.md."),
        e(.listLegacyFormat, .warning, "The list is in EFF's legacy v0.1 format.",
          "Convert it with `preload list convert FILE --to v1`."),
        e(.listExpired, .error, "The list's expiry time has passed.", "Publish or fetch a fresh list."),
        e(.listNotCanonical, .warning, "The list is valid but its bytes are not the canonical serialisation.",
          "Rewrite it with `preload list convert FILE --to v1`; published lists are always canonical."),
        e(.listAliasUnused, .warning, "An alias is defined but no domain refers to it.",
          "Remove the alias, or point the provider's domains at it."),
        e(.listConversionInexact, .warning, "A converted value cannot keep its exact meaning in the other format.",
          "Review the named patterns; see policy-schema/README.md, \"EFF v0.1\"."),
        e(.listConversionNormalized, .info, "A value was rewritten to the target format's canonical form, or dropped.",
          "Nothing to do; the meaning is kept (see the message for what changed)."),

        // List signatures (SSHSIG, namespace `preload-list`) and rollback protection
        e(.listSignatureMalformed, .error, "The list's signature file is not a readable SSH signature.",
          "Fetch the `.sig` that belongs to the list again; it must be an armoured `SSH SIGNATURE` block."),
        e(.listSignatureNamespace, .error, "The signature was made for another purpose (namespace).",
          "Sign lists with namespace `preload-list` (`preload publish` does)."),
        e(.listSignatureInvalid, .error, "The signature does not match the list: the list or signature was changed.",
          "Do not use this list; fetch the list and its signature again from the publisher."),
        e(.listSignerUnknown, .error, "The list is signed by a key that is not among the allowed signers.",
          "Use the publisher's `list/allowed_signers`; if the publisher rotated keys, update your copy."),
        e(.listSignerNotAllowed, .error,
          "The signing key is listed, but not for `preload-list` or not at this time (valid-after/valid-before).",
          "Check the key's `namespaces=`, `valid-after=` and `valid-before=` options in the allowed signers."),
        e(.listRollback, .error, "The list's serial is lower than one already seen: an old list is being replayed.",
          "Keep the newer list; fetch again from the publisher."),
        e(.listTooLarge, .error, "The list file is larger than the 256 MiB that every command and the client accept.",
          "Check the path or --source: a v1 list of a million domains is about 200 MB."),

        // The MTA client (`preload sync`)
        e(.syncListTooLarge, .error, "Retired: an oversized list is reported as `list.too-large`, by sync as by every command.",
          "See `list.too-large`."),
        e(.syncCommitUnsigned, .error, "The git commit holding the list carries no SSH signature.",
          "Publish with `preload publish`, which signs each commit (namespace `git`); check --source."),
        e(.syncCommitSignatureInvalid, .error,
          "The git commit's SSH signature does not verify, or its key is not an allowed signer for namespace `git`.",
          "Do not use this repository until the publisher's signing key is confirmed; check --allowed-signers."),
    ]

    /// Entries by code.
    public static let entries: [IssueCode: Entry] = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })
}
