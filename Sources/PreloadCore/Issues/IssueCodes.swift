/// Every issue code, one constant each, in catalogue order (``IssueCatalogue/all`` gives each its severity,
/// summary and fix). Findings are made with these constants only, so a code that is not here does not compile;
/// the strings are stable: tools match on them, and codes are never renamed or reused.
extension IssueCode {
    // MARK: Domain names
    /// `domain.invalid`: The domain name is not a valid host name.
    public static let domainInvalid = IssueCode(rawValue: "domain.invalid")

    // MARK: DNS
    /// `dns.lookup-failed`: A DNS lookup failed (SERVFAIL, timeout or bogus DNSSEC).
    public static let dnsLookupFailed = IssueCode(rawValue: "dns.lookup-failed")

    // MARK: MX set
    /// `mx.missing`: The domain has no MX records.
    public static let mxMissing = IssueCode(rawValue: "mx.missing")
    /// `mx.null`: The domain publishes a null MX (RFC 7505): it receives no mail.
    public static let mxNull = IssueCode(rawValue: "mx.null")
    /// `mx.unresolvable`: An MX host name has no A or AAAA records.
    public static let mxUnresolvable = IssueCode(rawValue: "mx.unresolvable")
    /// `mx.invalid`: An MX record names something that is not a valid host name.
    public static let mxInvalid = IssueCode(rawValue: "mx.invalid")

    // MARK: SMTP and TLS
    /// `smtp.unreachable`: An MX address did not accept an SMTP connection or sent no usable banner.
    public static let smtpUnreachable = IssueCode(rawValue: "smtp.unreachable")
    /// `smtp.starttls-missing`: The MX server does not offer STARTTLS.
    public static let smtpStarttlsMissing = IssueCode(rawValue: "smtp.starttls-missing")
    /// `smtp.starttls-failed`: STARTTLS was offered but the TLS handshake failed.
    public static let smtpStarttlsFailed = IssueCode(rawValue: "smtp.starttls-failed")
    /// `smtp.protocol-error`: The MX server answered with something that is not valid SMTP.
    public static let smtpProtocolError = IssueCode(rawValue: "smtp.protocol-error")
    /// `tls.version-too-old`: The server negotiated a TLS version below 1.2 (RFC 8461 §7.2).
    public static let tlsVersionTooOld = IssueCode(rawValue: "tls.version-too-old")
    /// `tls.cert-untrusted`: The certificate does not chain to a trusted root.
    public static let tlsCertUntrusted = IssueCode(rawValue: "tls.cert-untrusted")
    /// `tls.cert-expired`: The certificate has expired or is not yet valid.
    public static let tlsCertExpired = IssueCode(rawValue: "tls.cert-expired")
    /// `tls.cert-name-mismatch`: The certificate is not valid for the host name (SAN DNS-ID).
    public static let tlsCertNameMismatch = IssueCode(rawValue: "tls.cert-name-mismatch")
    /// `tls.cert-expiring-soon`: The certificate expires within 14 days.
    public static let tlsCertExpiringSoon = IssueCode(rawValue: "tls.cert-expiring-soon")

    // MARK: DANE
    /// `dane.tlsa-mismatch`: No usable TLSA record matches the certificate chain an MX address serves: DANE senders will not deliver to it.
    public static let daneTlsaMismatch = IssueCode(rawValue: "dane.tlsa-mismatch")
    /// `dane.tlsa-bogus`: The TLSA RRset of an MX host fails DNSSEC validation (bogus): DANE senders defer all mail to that host.
    public static let daneTlsaBogus = IssueCode(rawValue: "dane.tlsa-bogus")
    /// `dane.tlsa-unusable`: The MX host's TLSA RRset has no record usable for SMTP: only PKIX-TA(0)/PKIX-EE(1) usages, unknown parameters or malformed data (RFC 7672 §3.1.3); DANE senders fall back to unauthenticated TLS.
    public static let daneTlsaUnusable = IssueCode(rawValue: "dane.tlsa-unusable")
    /// `dane.tlsa-malformed`: A TLSA record is malformed (truncated, no data, a digest of the wrong length, or full data that is not DER): senders ignore it.
    public static let daneTlsaMalformed = IssueCode(rawValue: "dane.tlsa-malformed")
    /// `dane.no-rollover`: Nothing would match after the next key or certificate change: every usable TLSA record names the current key only (RFC 7671 §8.1).
    public static let daneNoRollover = IssueCode(rawValue: "dane.no-rollover")
    /// `dane.ta-name-mismatch`: A DANE-TA(2) record matches the served chain, but the certificate names neither the MX host nor the domain (RFC 7672 §3.2.2).
    public static let daneTaNameMismatch = IssueCode(rawValue: "dane.ta-name-mismatch")
    /// `dane.partial-coverage`: Some MX hosts have DNSSEC-validated, usable TLSA records and others do not: DANE senders authenticate only the former.
    public static let danePartialCoverage = IssueCode(rawValue: "dane.partial-coverage")
    /// `dane.mx-insecure`: The domain's MX RRset is not DNSSEC-signed (insecure): senders do not use DANE for it (RFC 7672 §2.2.1).
    public static let daneMxInsecure = IssueCode(rawValue: "dane.mx-insecure")
    /// `dane.host-insecure`: The MX RRset is signed, but an MX host's address or TLSA records are not: senders do not use DANE for that host (RFC 7672 §2.2.2).
    public static let daneHostInsecure = IssueCode(rawValue: "dane.host-insecure")
    /// `dane.not-listable`: The MX hosts authenticate only through DANE: their certificates are not valid in the Web PKI, so the domain is not listed; DANE already protects it from the first message on.
    public static let daneNotListable = IssueCode(rawValue: "dane.not-listable")

    // MARK: Where the checker may connect
    /// `net.address-not-public`: An MX or policy host resolves to an address the public checker does not connect to.
    public static let netAddressNotPublic = IssueCode(rawValue: "net.address-not-public")

    // MARK: The check as a whole
    /// `check.deadline-exceeded`: The domain's check did not finish within the per-domain deadline (`--domain-timeout`).
    public static let checkDeadlineExceeded = IssueCode(rawValue: "check.deadline-exceeded")

    // MARK: MTA-STS TXT record
    /// `mta-sts.txt-missing`: No `_mta-sts` TXT record starting with `v=STSv1`.
    public static let mtaStsTxtMissing = IssueCode(rawValue: "mta-sts.txt-missing")
    /// `mta-sts.txt-invalid`: The `_mta-sts` TXT record does not follow RFC 8461 §3.1.
    public static let mtaStsTxtInvalid = IssueCode(rawValue: "mta-sts.txt-invalid")
    /// `mta-sts.txt-multiple`: More than one `_mta-sts` TXT record starts with `v=STSv1`.
    public static let mtaStsTxtMultiple = IssueCode(rawValue: "mta-sts.txt-multiple")
    /// `mta-sts.txt-erratum-6285`: Space before the first `;` — valid ABNF (erratum 6285) but some senders' filters reject it.
    public static let mtaStsTxtErratum6285 = IssueCode(rawValue: "mta-sts.txt-erratum-6285")
    /// `mta-sts.txt-non-ascii`: The TXT record contains non-ASCII bytes.
    public static let mtaStsTxtNonAscii = IssueCode(rawValue: "mta-sts.txt-non-ascii")
    /// `mta-sts.txt-unknown-field`: The TXT record has an extension field senders ignore.
    public static let mtaStsTxtUnknownField = IssueCode(rawValue: "mta-sts.txt-unknown-field")

    // MARK: MTA-STS policy
    /// `mta-sts.policy-fetch-failed`: The MTA-STS policy could not be fetched over HTTPS.
    public static let mtaStsPolicyFetchFailed = IssueCode(rawValue: "mta-sts.policy-fetch-failed")
    /// `mta-sts.policy-tls-invalid`: The policy host's certificate is not valid for mta-sts.DOMAIN.
    public static let mtaStsPolicyTlsInvalid = IssueCode(rawValue: "mta-sts.policy-tls-invalid")
    /// `mta-sts.policy-redirect`: The policy URL answered with a redirect; senders must not follow it.
    public static let mtaStsPolicyRedirect = IssueCode(rawValue: "mta-sts.policy-redirect")
    /// `mta-sts.policy-content-type`: The policy is not served as text/plain; widely used senders then ignore it (RFC 8461 §3.3).
    public static let mtaStsPolicyContentType = IssueCode(rawValue: "mta-sts.policy-content-type")
    /// `mta-sts.policy-too-large`: The policy body is larger than 64 KiB.
    public static let mtaStsPolicyTooLarge = IssueCode(rawValue: "mta-sts.policy-too-large")
    /// `mta-sts.policy-invalid`: The policy body does not follow RFC 8461 §3.2.
    public static let mtaStsPolicyInvalid = IssueCode(rawValue: "mta-sts.policy-invalid")
    /// `mta-sts.policy-mx-uncovered`: An MX host is not matched by any `mx` pattern of the policy.
    public static let mtaStsPolicyMxUncovered = IssueCode(rawValue: "mta-sts.policy-mx-uncovered")
    /// `mta-sts.policy-mode-testing`: The policy mode is `testing`: senders do not enforce it.
    public static let mtaStsPolicyModeTesting = IssueCode(rawValue: "mta-sts.policy-mode-testing")
    /// `mta-sts.policy-mode-none`: The policy mode is `none`: the domain opted out of MTA-STS.
    public static let mtaStsPolicyModeNone = IssueCode(rawValue: "mta-sts.policy-mode-none")
    /// `mta-sts.policy-version`: The policy's `version` is missing or not `STSv1`.
    public static let mtaStsPolicyVersion = IssueCode(rawValue: "mta-sts.policy-version")
    /// `mta-sts.policy-mode`: The policy's `mode` is missing or not enforce, testing or none.
    public static let mtaStsPolicyMode = IssueCode(rawValue: "mta-sts.policy-mode")
    /// `mta-sts.policy-max-age`: The policy's `max_age` is missing, not an integer, or above 31557600.
    public static let mtaStsPolicyMaxAge = IssueCode(rawValue: "mta-sts.policy-max-age")
    /// `mta-sts.policy-max-age-short`: The policy's `max_age` is under one day.
    public static let mtaStsPolicyMaxAgeShort = IssueCode(rawValue: "mta-sts.policy-max-age-short")
    /// `mta-sts.policy-mx-missing`: The policy has no `mx` line although its mode is not `none`.
    public static let mtaStsPolicyMxMissing = IssueCode(rawValue: "mta-sts.policy-mx-missing")
    /// `mta-sts.policy-mx-invalid`: An `mx` value is not an A-label domain or `*.` + domain.
    public static let mtaStsPolicyMxInvalid = IssueCode(rawValue: "mta-sts.policy-mx-invalid")
    /// `mta-sts.policy-line-invalid`: A policy line is not `key: value`.
    public static let mtaStsPolicyLineInvalid = IssueCode(rawValue: "mta-sts.policy-line-invalid")
    /// `mta-sts.policy-duplicate-key`: A key other than `mx` appears more than once; the first wins.
    public static let mtaStsPolicyDuplicateKey = IssueCode(rawValue: "mta-sts.policy-duplicate-key")
    /// `mta-sts.policy-unknown-key`: The policy has a key senders ignore.
    public static let mtaStsPolicyUnknownKey = IssueCode(rawValue: "mta-sts.policy-unknown-key")
    /// `mta-sts.policy-non-ascii`: The policy contains non-ASCII or control bytes.
    public static let mtaStsPolicyNonAscii = IssueCode(rawValue: "mta-sts.policy-non-ascii")
    /// `mta-sts.policy-blank-line`: The policy has an empty line, which the RFC 8461 grammar does not allow.
    public static let mtaStsPolicyBlankLine = IssueCode(rawValue: "mta-sts.policy-blank-line")
    /// `mta-sts.policy-limit-exceeded`: A policy line is too long, or the policy has too many mx lines.
    public static let mtaStsPolicyLimitExceeded = IssueCode(rawValue: "mta-sts.policy-limit-exceeded")

    // MARK: TLS-RPT
    /// `tls-rpt.missing`: No `_smtp._tls` TXT record starting with `v=TLSRPTv1`.
    public static let tlsRptMissing = IssueCode(rawValue: "tls-rpt.missing")
    /// `tls-rpt.invalid`: The `_smtp._tls` TXT record does not follow RFC 8460 §3: senders send no reports (TLS-RPT is optional).
    public static let tlsRptInvalid = IssueCode(rawValue: "tls-rpt.invalid")
    /// `tls-rpt.multiple`: More than one `_smtp._tls` TXT record starts with `v=TLSRPTv1`: senders send no reports (TLS-RPT is optional).
    public static let tlsRptMultiple = IssueCode(rawValue: "tls-rpt.multiple")
    /// `tls-rpt.space-before-semicolon`: Space before the first `;` — valid ABNF but senders that filter on `v=TLSRPTv1;` ignore the record.
    public static let tlsRptSpaceBeforeSemicolon = IssueCode(rawValue: "tls-rpt.space-before-semicolon")
    /// `tls-rpt.whitespace`: The record ends in whitespace (after the last URI, or around a final `;`): common parsers strip it, strict ones may not.
    public static let tlsRptWhitespace = IssueCode(rawValue: "tls-rpt.whitespace")
    /// `tls-rpt.unknown-field`: The TLS-RPT record has an extension field senders ignore.
    public static let tlsRptUnknownField = IssueCode(rawValue: "tls-rpt.unknown-field")

    // MARK: Curation
    /// `curation.mx-uncovered`: An MX host is not covered by the MX patterns of the domain's list entry.
    public static let curationMxUncovered = IssueCode(rawValue: "curation.mx-uncovered")

    // MARK: Preload list files
    /// `list.invalid`: The list file does not follow the preload list format.
    public static let listInvalid = IssueCode(rawValue: "list.invalid")
    /// `list.legacy-format`: The list is in EFF's legacy v0.1 format.
    public static let listLegacyFormat = IssueCode(rawValue: "list.legacy-format")
    /// `list.expired`: The list's expiry time has passed.
    public static let listExpired = IssueCode(rawValue: "list.expired")
    /// `list.not-canonical`: The list is valid but its bytes are not the canonical serialisation.
    public static let listNotCanonical = IssueCode(rawValue: "list.not-canonical")
    /// `list.alias-unused`: An alias is defined but no domain refers to it.
    public static let listAliasUnused = IssueCode(rawValue: "list.alias-unused")
    /// `list.conversion-inexact`: A converted value cannot keep its exact meaning in the other format.
    public static let listConversionInexact = IssueCode(rawValue: "list.conversion-inexact")
    /// `list.conversion-normalized`: A value was rewritten to the target format's canonical form, or dropped.
    public static let listConversionNormalized = IssueCode(rawValue: "list.conversion-normalized")

    // MARK: List signatures (SSHSIG, namespace `preload-list`) and rollback protection
    /// `list.signature-malformed`: The list's signature file is not a readable SSH signature.
    public static let listSignatureMalformed = IssueCode(rawValue: "list.signature-malformed")
    /// `list.signature-namespace`: The signature was made for another purpose (namespace).
    public static let listSignatureNamespace = IssueCode(rawValue: "list.signature-namespace")
    /// `list.signature-invalid`: The signature does not match the list: the list or signature was changed.
    public static let listSignatureInvalid = IssueCode(rawValue: "list.signature-invalid")
    /// `list.signer-unknown`: The list is signed by a key that is not among the allowed signers.
    public static let listSignerUnknown = IssueCode(rawValue: "list.signer-unknown")
    /// `list.signer-not-allowed`: The signing key is listed, but not for `preload-list` or not at this time (valid-after/valid-before).
    public static let listSignerNotAllowed = IssueCode(rawValue: "list.signer-not-allowed")
    /// `list.rollback`: The list's serial is lower than one already seen: an old list is being replayed.
    public static let listRollback = IssueCode(rawValue: "list.rollback")
    /// `list.too-large`: The list file is larger than the 256 MiB that every command and the client accept.
    public static let listTooLarge = IssueCode(rawValue: "list.too-large")

    // MARK: The MTA client (`preload sync`)
    /// `sync.list-too-large`: Retired: an oversized list is reported as `list.too-large`, by sync as by every command.
    public static let syncListTooLarge = IssueCode(rawValue: "sync.list-too-large")
    /// `sync.commit-unsigned`: The git commit holding the list carries no SSH signature.
    public static let syncCommitUnsigned = IssueCode(rawValue: "sync.commit-unsigned")
    /// `sync.commit-signature-invalid`: The git commit's SSH signature does not verify, or its key is not an allowed signer for namespace `git`.
    public static let syncCommitSignatureInvalid = IssueCode(rawValue: "sync.commit-signature-invalid")
}
