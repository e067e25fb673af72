#!/usr/bin/env python3
"""The test bed's scenario domains, and the renderer that turns them into configuration files.

`testbed` (bash) runs the processes and mints the certificates; this file decides what they serve.

  scenarios.py render DIR DNS_PORT                     write every configuration file of the test bed
  scenarios.py zones DIR                               compute the TLSA records and sign the DNSSEC zones
  scenarios.py bulk DIR N BANNER_DELAY STALL_FRACTION  write the files of N benchmark domains
  scenarios.py table                                    print the README's scenario table (Markdown)

TESTBED_ONLY=GLOB[,GLOB...] (set by `testbed start --only`) renders only the scenario domains matching one of
the patterns, and leaves out the benchmark listener, so that a second instance can run beside the first.

Each scenario domain is good except for the one defect it is named after: MX hosts with valid
certificates, an `_mta-sts` TXT record, an enforce policy naming its MX hosts, and a TLS-RPT record,
unless the entry says otherwise. Scenario number K uses the addresses 127.0.K.x: MX hosts 127.0.K.1-99,
the policy host mta-sts.DOMAIN 127.0.K.100.
"""

import datetime
import fnmatch
import hashlib
import json
import os
import shlex
import socket
import subprocess
import sys
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
TTL = 0  # nothing is cached anywhere, so `dns-add` / `dns-remove` are seen at once
STS_TXT = ["v=STSv1; id=testbed1"]
TLSRPT_TXT = ["v=TLSRPTv1; rua=mailto:tlsrpt@notify.test"]
SOA = "test. 0 IN SOA ns.test. hostmaster.test. 1 3600 600 86400 0"
DEAD_DNS = {"servfail": "127.0.0.253", "timeout": "127.0.0.254"}  # see unbound.conf: 253 is never queried
BULK_HTTPS = "127.23.0.1"
DEFAULT = object()
# DNSSEC (RFC 7672 scenarios): zones served by unbound's auth-zone, validated by unbound against the trust
# anchors made at start (DIR/dnssec/trust-anchors.ds). A signed zone gets fresh keys at every start; an
# unsigned zone below a signed one is delegated to without a DS record, which makes it provably insecure.
SIGNED_ZONES = ["dane.test"]
UNSIGNED_ZONES = ["insecure.dane.test"]
TLSA_PORT = 25


def policy(mode="enforce", mx=(), max_age=604800, eol="\n", final=True):
    lines = ["version: STSv1", f"mode: {mode}", *(f"mx: {m}" for m in mx), f"max_age: {max_age}"]
    return eol.join(lines) + (eol if final else "")


def big_policy(mx):
    pad = "".join(f"x-padding-{i:04}: {'x' * 64}\n" for i in range(1100))  # unknown keys, ignored by parsers
    return policy(mx=mx) + pad  # about 86 KiB


@dataclass
class Domain:
    name: str
    expect: list  # issue codes the checker must report (empty: none)
    why: str
    mx: object  # [(preference, host, [address spec, ...])], "null" for `MX 0 .`, None for no MX
    smtp: str = ""  # options for every MX address: cert=KIND, tls=off|old, odd=MODE, none
    https: object = None  # "ADDRESS [cert=KIND] [serve=policy|html|redirect|chunked|none]"; None: no host
    sts: object = DEFAULT  # TXT record strings at _mta-sts (a tuple is one multi-string record); None: none
    policy: object = DEFAULT  # body served at /.well-known/mta-sts.txt; None: no file (404)
    tlsrpt: object = DEFAULT  # TXT records at _smtp._tls
    dns: list = field(default_factory=list)  # extra records: (name, type, data)
    stub: str = ""  # "servfail" or "timeout": the whole zone is delegated to a dead server
    # DANE: TLSA records (host, "USAGE SELECTOR MTYPE", certificate) published at _25._tcp.host, where the
    # certificate is "served" (what the host's listener serves), "next" (a key not in use yet), "old" (a key
    # no longer in use), "dane-ca" (the DANE-only CA that signs `cert=dane-ta` leaves) or "ca" (the test bed CA).
    tlsa: list = field(default_factory=list)
    cname: dict = field(default_factory=dict)  # MX host -> the name it is a CNAME of (its A record goes there)
    bogus: list = field(default_factory=list)  # (owner, type) whose RRSIG is replaced by an expired one
    expect_dane: list = field(default_factory=list)  # codes once the checker evaluates DANE (issue 13)

    def mx_hosts(self):
        return [host for _, host, _ in self.mx] if isinstance(self.mx, list) else []


def mx1(domain, address, host="mx1"):
    return [(10, f"{host}.{domain}", [address])]


SCENARIOS = [
    # Good domains
    Domain("notify.test", [], "Receives mail: any address here lands in DIR/mail/notify.test/ (see README).",
           mx1("notify.test", "127.0.1.1", "mx"), https="127.0.1.100"),
    Domain("good.test", [], "Two MX hosts, mx1 with two addresses; enforce policy `mx: *.good.test`; TLS-RPT.",
           [(10, "mx1.good.test", ["127.0.2.1", "127.0.2.2"]), (20, "mx2.good.test", ["127.0.2.3"])],
           https="127.0.2.100", policy=policy(mx=["*.good.test"])),
    Domain("good2.test", [], "MX also on ::1 (AAAA) when IPv6 loopback works; TXT in two strings beside an "
           "unrelated TXT; policy with CRLF and no final newline; TLS-RPT to https.",
           [(10, "mail.good2.test", ["127.0.3.1", "::1"])], https="127.0.3.100",
           sts=[("v=STSv1; ", "id=good2split"), "not-an-sts-record"],
           policy=policy(mx=["mail.good2.test"], eol="\r\n", final=False),
           tlsrpt=["v=TLSRPTv1; rua=https://reports.good2.test/tlsrpt"]),
    Domain("sts-cname.test", [], "`_mta-sts.sts-cname.test` is a CNAME to `_mta-sts.sts-cname-target.test`.",
           mx1("sts-cname.test", "127.0.4.1"), https="127.0.4.100", sts=None,
           dns=[("_mta-sts.sts-cname.test", "CNAME", "_mta-sts.sts-cname-target.test."),
                ("_mta-sts.sts-cname-target.test", "TXT", "v=STSv1; id=viacname1")]),
    # DNS and MX
    Domain("dns-fail.test", ["dns.lookup-failed"], "Delegated to a server unbound may not query: SERVFAIL at once.",
           None, https=None, sts=None, tlsrpt=[], stub="servfail"),
    Domain("dns-timeout.test", ["dns.lookup-failed"], "Delegated to 127.0.0.254:53 where nothing listens: no "
           "answer, until unbound marks the server down and answers SERVFAIL (see README).",
           None, https=None, sts=None, tlsrpt=[], stub="timeout"),
    Domain("no-mx.test", ["mx.missing"], "No MX record (an A record for the name itself, nothing listening).",
           None, https="127.0.12.100", policy=policy(mx=["*.no-mx.test"]),
           dns=[("no-mx.test", "A", "127.0.12.1")]),
    Domain("null-mx.test", ["mx.null"], "Null MX `0 .` (RFC 7505).", "null", https="127.0.13.100",
           policy=policy(mx=["*.null-mx.test"])),
    Domain("mx-unresolvable.test", ["mx.unresolvable"], "mx1 (preference 10) has no A/AAAA (NXDOMAIN); mx2 is fine.",
           [(10, "mx1.mx-unresolvable.test", []), (20, "mx2.mx-unresolvable.test", ["127.0.14.2"])],
           https="127.0.14.100"),
    # SMTP and TLS on the MX hosts
    Domain("unreachable.test", ["smtp.unreachable"], "Nothing listens on port 25 (connection refused).",
           mx1("unreachable.test", "127.0.20.1"), smtp="none", https="127.0.20.100"),
    Domain("no-banner.test", ["smtp.unreachable"], "Accepts the connection, never sends a banner (until the "
           "client's timeout).", mx1("no-banner.test", "127.0.21.1"), smtp="odd=stall", https="127.0.21.100"),
    Domain("partial.test", ["smtp.unreachable"], "mx1 has two addresses: 127.0.22.1 works, 127.0.22.2 refuses.",
           [(10, "mx1.partial.test", ["127.0.22.1", "127.0.22.2 none"])], https="127.0.22.100"),
    Domain("garbage-banner.test", ["smtp.protocol-error"], "Sends an HTTP error and binary junk instead of a banner.",
           mx1("garbage-banner.test", "127.0.23.1"), smtp="odd=garbage", https="127.0.23.100"),
    Domain("banner-flood.test", ["smtp.protocol-error"], "Endless `220-` continuation lines, never a final line.",
           mx1("banner-flood.test", "127.0.24.1"), smtp="odd=flood", https="127.0.24.100"),
    Domain("no-starttls.test", ["smtp.starttls-missing"], "Postfix with TLS off: EHLO does not offer STARTTLS.",
           mx1("no-starttls.test", "127.0.25.1"), smtp="tls=off", https="127.0.25.100"),
    Domain("starttls-454.test", ["smtp.starttls-failed"], "Offers STARTTLS, answers it with `454 4.7.0`.",
           mx1("starttls-454.test", "127.0.26.1"), smtp="odd=starttls-454", https="127.0.26.100"),
    Domain("starttls-garbage.test", ["smtp.starttls-failed"], "Answers STARTTLS with 220, then junk instead of TLS.",
           mx1("starttls-garbage.test", "127.0.27.1"), smtp="odd=tls-garbage", https="127.0.27.100"),
    Domain("tls10.test", ["tls.version-too-old"], "Postfix offering only TLS 1.0 and 1.1 (`@SECLEVEL=0`); a probe "
           "must allow TLS 1.0 to see it, else it sees a failed handshake.",
           mx1("tls10.test", "127.0.28.1"), smtp="tls=old", https="127.0.28.100"),
    Domain("self-signed.test", ["tls.cert-untrusted"], "Self-signed MX certificate (right name, unexpired).",
           mx1("self-signed.test", "127.0.29.1"), smtp="cert=self-signed", https="127.0.29.100"),
    Domain("expired-cert.test", ["tls.cert-expired"], "MX certificate expired 370 days ago.",
           mx1("expired-cert.test", "127.0.30.1"), smtp="cert=expired", https="127.0.30.100"),
    Domain("wrong-name.test", ["tls.cert-name-mismatch"], "MX certificate for `not-mx1.wrong-name.test`.",
           mx1("wrong-name.test", "127.0.31.1"), smtp="cert=wrong-name", https="127.0.31.100"),
    Domain("cn-only.test", ["tls.cert-name-mismatch"], "MX certificate names the host in its CN only, no SAN.",
           mx1("cn-only.test", "127.0.32.1"), smtp="cert=cn-only", https="127.0.32.100"),
    Domain("expiring-soon.test", ["tls.cert-expiring-soon"], "MX certificate valid, expires in 5 days.",
           mx1("expiring-soon.test", "127.0.33.1"), smtp="cert=expiring", https="127.0.33.100"),
    # MTA-STS TXT record
    Domain("no-sts.test", ["mta-sts.txt-missing"], "No `_mta-sts` TXT record and no policy host.",
           mx1("no-sts.test", "127.0.40.1"), https=None, sts=None, policy=None),
    Domain("sts-txt-invalid.test", ["mta-sts.txt-invalid"], "`v=STSv1; id=not-valid!` (id has `-` and `!`).",
           mx1("sts-txt-invalid.test", "127.0.41.1"), https="127.0.41.100", sts=["v=STSv1; id=not-valid!"]),
    Domain("sts-txt-multiple.test", ["mta-sts.txt-multiple"], "Two TXT records starting with `v=STSv1`.",
           mx1("sts-txt-multiple.test", "127.0.42.1"), https="127.0.42.100",
           sts=["v=STSv1; id=first1", "v=STSv1; id=second2"]),
    Domain("sts-txt-space.test", ["mta-sts.txt-erratum-6285"], "`v=STSv1 ;id=space1`: valid ABNF, fails the "
           "`v=STSv1;` prefix filter.", mx1("sts-txt-space.test", "127.0.43.1"), https="127.0.43.100",
           sts=["v=STSv1 ;id=space1"]),
    # MTA-STS policy
    Domain("policy-404.test", ["mta-sts.policy-fetch-failed"], "The policy host answers 404 (no policy file).",
           mx1("policy-404.test", "127.0.50.1"), https="127.0.50.100", policy=None),
    Domain("policy-no-server.test", ["mta-sts.policy-fetch-failed"], "mta-sts host resolves; nothing on port 443.",
           mx1("policy-no-server.test", "127.0.51.1"), https="127.0.51.100 serve=none"),
    Domain("policy-expired-cert.test", ["mta-sts.policy-tls-invalid"], "Policy host certificate expired.",
           mx1("policy-expired-cert.test", "127.0.52.1"), https="127.0.52.100 cert=expired"),
    Domain("policy-wrong-name.test", ["mta-sts.policy-tls-invalid"], "Policy host certificate for "
           "`not-mta-sts.policy-wrong-name.test`.", mx1("policy-wrong-name.test", "127.0.53.1"),
           https="127.0.53.100 cert=wrong-name"),
    Domain("policy-redirect.test", ["mta-sts.policy-redirect"], "301 to https://mta-sts.good.test/.well-known/"
           "mta-sts.txt.", mx1("policy-redirect.test", "127.0.54.1"), https="127.0.54.100 serve=redirect"),
    Domain("policy-content-type.test", ["mta-sts.policy-content-type"], "Valid policy served as `text/html`.",
           mx1("policy-content-type.test", "127.0.55.1"), https="127.0.55.100 serve=html"),
    Domain("policy-too-large.test", ["mta-sts.policy-too-large"], "86 KiB body with `Content-Length`.",
           mx1("policy-too-large.test", "127.0.56.1"), https="127.0.56.100",
           policy=big_policy(["mx1.policy-too-large.test"])),
    Domain("policy-chunked.test", ["mta-sts.policy-too-large"], "86 KiB body, chunked, no `Content-Length`.",
           mx1("policy-chunked.test", "127.0.57.1"), https="127.0.57.100 serve=chunked",
           policy=big_policy(["mx1.policy-chunked.test"])),
    Domain("policy-invalid.test", ["mta-sts.policy-invalid"], "`mode: Enforce` (values are case-sensitive); the "
           "detail code is `mta-sts.policy-mode`.", mx1("policy-invalid.test", "127.0.58.1"),
           https="127.0.58.100", policy=policy(mode="Enforce", mx=["mx1.policy-invalid.test"])),
    Domain("policy-mx-uncovered.test", ["mta-sts.policy-mx-uncovered"], "Two MX hosts; the policy names mx1 only.",
           [(10, "mx1.policy-mx-uncovered.test", ["127.0.59.1"]), (20, "mx2.policy-mx-uncovered.test", ["127.0.59.2"])],
           https="127.0.59.100", policy=policy(mx=["mx1.policy-mx-uncovered.test"])),
    Domain("policy-testing.test", ["mta-sts.policy-mode-testing"], "`mode: testing`.",
           mx1("policy-testing.test", "127.0.60.1"), https="127.0.60.100",
           policy=policy(mode="testing", mx=["mx1.policy-testing.test"])),
    Domain("policy-none.test", ["mta-sts.policy-mode-none"], "`mode: none` (no mx lines, valid for none).",
           mx1("policy-none.test", "127.0.61.1"), https="127.0.61.100", policy=policy(mode="none", max_age=86400)),
    # TLS-RPT
    Domain("no-tlsrpt.test", ["tls-rpt.missing"], "No `_smtp._tls` TXT record.",
           mx1("no-tlsrpt.test", "127.0.70.1"), https="127.0.70.100", tlsrpt=[]),
    Domain("tlsrpt-invalid.test", ["tls-rpt.invalid"], "`v=TLSRPTv1; rua=ftp://reports.tlsrpt-invalid.test/`.",
           mx1("tlsrpt-invalid.test", "127.0.71.1"), https="127.0.71.100",
           tlsrpt=["v=TLSRPTv1; rua=ftp://reports.tlsrpt-invalid.test/"]),
    Domain("tlsrpt-multiple.test", ["tls-rpt.multiple"], "Two TXT records starting with `v=TLSRPTv1`.",
           mx1("tlsrpt-multiple.test", "127.0.72.1"), https="127.0.72.100",
           tlsrpt=["v=TLSRPTv1; rua=mailto:a@notify.test", "v=TLSRPTv1; rua=mailto:b@notify.test"]),
    # DANE (RFC 7672) in the signed zone dane.test (see README, "DNSSEC and DANE"). `expect` is what a checker
    # without DANE reports; `expect_dane` what one that evaluates DANE reports in addition.
    Domain("ee.dane.test", ["tls.cert-untrusted", "mta-sts.txt-missing"], "DANE-EE: self-signed MX certificate, "
           "`3 1 1` for its key and for the next key; no MTA-STS.",
           mx1("ee.dane.test", "127.0.90.1"), smtp="cert=self-signed", https=None, sts=None, policy=None,
           tlsa=[("mx1.ee.dane.test", "3 1 1", "served"), ("mx1.ee.dane.test", "3 1 1", "next")],
           expect_dane=["dane.not-listable"]),
    Domain("ta.dane.test", ["tls.cert-untrusted", "mta-sts.txt-missing"], "DANE-TA: MX certificate from a CA that "
           "only DANE trusts, served with its chain; `2 0 1` for that CA.",
           mx1("ta.dane.test", "127.0.91.1"), smtp="cert=dane-ta", https=None, sts=None, policy=None,
           tlsa=[("mx1.ta.dane.test", "2 0 1", "dane-ca")], expect_dane=["dane.not-listable"]),
    Domain("renewed.dane.test", ["mta-sts.txt-missing"], "Mismatch after a renewal: the MX certificate (valid) has a "
           "new key, the `3 1 1` record still names the old one.",
           mx1("renewed.dane.test", "127.0.92.1"), https=None, sts=None, policy=None,
           tlsa=[("mx1.renewed.dane.test", "3 1 1", "old")], expect_dane=["dane.tlsa-mismatch"]),
    Domain("pkix.dane.test", ["mta-sts.txt-missing"], "Only PKIX usages: `1 1 1` for the MX key and `0 0 1` for the "
           "CA, both unusable for SMTP (RFC 7672 §3.1.3).",
           mx1("pkix.dane.test", "127.0.93.1"), https=None, sts=None, policy=None,
           tlsa=[("mx1.pkix.dane.test", "1 1 1", "served"), ("mx1.pkix.dane.test", "0 0 1", "ca")],
           expect_dane=["dane.tlsa-unusable"]),
    Domain("bogus.dane.test", ["mta-sts.txt-missing"], "The TLSA RRset's RRSIG expired: a validating resolver "
           "answers SERVFAIL (with CD, the data and a bogus status).",
           mx1("bogus.dane.test", "127.0.94.1"), https=None, sts=None, policy=None,
           tlsa=[("mx1.bogus.dane.test", "3 1 1", "served"), ("mx1.bogus.dane.test", "3 1 1", "next")],
           bogus=[("_25._tcp.mx1.bogus.dane.test", "TLSA")], expect_dane=["dane.tlsa-bogus"]),
    Domain("insecure.dane.test", ["mta-sts.txt-missing"], "Insecure delegation: an unsigned zone delegated from "
           "dane.test without DS; its matching TLSA records do not count.",
           mx1("insecure.dane.test", "127.0.95.1"), https=None, sts=None, policy=None,
           tlsa=[("mx1.insecure.dane.test", "3 1 1", "served"), ("mx1.insecure.dane.test", "3 1 1", "next")],
           expect_dane=["dane.mx-insecure"]),
    Domain("no-rollover.dane.test", ["mta-sts.txt-missing"], "One `3 1 1` record, for the current key only: nothing "
           "would match after the next key change (RFC 7671 §8.1).",
           mx1("no-rollover.dane.test", "127.0.96.1"), https=None, sts=None, policy=None,
           tlsa=[("mx1.no-rollover.dane.test", "3 1 1", "served")], expect_dane=["dane.no-rollover"]),
    Domain("cname.dane.test", ["mta-sts.txt-missing"], "The MX host is a CNAME of `host.cname-target.dane.test`, "
           "where the TLSA records are (RFC 7672 §2.2.2).",
           mx1("cname.dane.test", "127.0.97.1"), https=None, sts=None, policy=None,
           cname={"mx1.cname.dane.test": "host.cname-target.dane.test"},
           tlsa=[("host.cname-target.dane.test", "3 1 1", "served"),
                 ("host.cname-target.dane.test", "3 1 1", "next")]),
    Domain("sts.dane.test", [], "DANE and MTA-STS on the same domain: valid certificate, `3 1 1` current + next, "
           "enforce policy.", mx1("sts.dane.test", "127.0.98.1"), https="127.0.98.100",
           tlsa=[("mx1.sts.dane.test", "3 1 1", "served"), ("mx1.sts.dane.test", "3 1 1", "next")]),
    # Whole-life tests (Tests/IntegrationTests/LifecycleEndToEndTests.swift): good domains of their own, so that
    # swapping their certificates or policies never disturbs the scenarios above.
    Domain("life-cert.test", [], "Like good.test; the lifecycle test swaps its MX certificate (expired, then back).",
           [(10, "mx1.life-cert.test", ["127.0.80.1"]), (20, "mx2.life-cert.test", ["127.0.80.2"])],
           https="127.0.80.100", policy=policy(mx=["*.life-cert.test"])),
    Domain("life-owner.test", [], "Like good.test; the lifecycle test removes it as its owner (DNS challenge).",
           [(10, "mx1.life-owner.test", ["127.0.81.1"]), (20, "mx2.life-owner.test", ["127.0.81.2"])],
           https="127.0.81.100", policy=policy(mx=["*.life-owner.test"])),
    Domain("life-optout.test", [], "Like good.test; the lifecycle test sets a `mode: none` policy (opt-out), then "
           "puts the enforce policy back.",
           [(10, "mx1.life-optout.test", ["127.0.82.1"]), (20, "mx2.life-optout.test", ["127.0.82.2"])],
           https="127.0.82.100", policy=policy(mx=["*.life-optout.test"])),
    Domain("life-kill.test", [], "Like good.test; seeded as listed by the validate-all kill tests.",
           mx1("life-kill.test", "127.0.83.1"), https="127.0.83.100"),
    Domain("life-stall.test", ["smtp.unreachable"], "Like no-banner.test (never sends a banner); seeded as listed "
           "by the validate-all kill tests to make a run slow.",
           mx1("life-stall.test", "127.0.84.1"), smtp="odd=stall", https="127.0.84.100"),
]


# --- pieces ------------------------------------------------------------------------------------------------


def options(words):
    """'cert=expired none' -> {'cert': 'expired', 'none': True}"""
    return {key: value or True for key, _, value in (word.partition("=") for word in words.split())}


def split_spec(spec):
    """'127.0.2.1 cert=expired' -> ('127.0.2.1', {'cert': 'expired'})"""
    address, _, rest = spec.partition(" ")
    return address, options(rest)


def txt(strings):
    """One TXT record's data: each string quoted, split at 255 bytes."""
    if isinstance(strings, str):
        strings = (strings,)
    parts = [s[i:i + 255] for s in strings for i in range(0, max(len(s), 1), 255)]
    return " ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in parts)


def rr(name, rtype, data):
    return f"{name.rstrip('.')}. {TTL} IN {rtype} {data}"




def substitute(template, values):
    with open(os.path.join(HERE, "templates", template)) as f:
        text = f.read()
    for key, value in values.items():
        text = text.replace(f"@{key}@", str(value))
    return text


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


class Plan:
    """Everything the scenarios need, collected once and written out by `render`."""

    def __init__(self, run_dir, ipv6):
        self.dir, self.ipv6 = run_dir, ipv6
        self.records, self.zones = [], []
        self.postfix, self.nginx, self.oddities = [], [], []
        self.certs = {}  # name -> (kind, hosts)
        self.listeners = []  # (address, port, service, host, cert name or "-", chain file or "-")
        self.policies, self.facts = {}, {}
        self.tlsa = []  # (owner, "U S M", certificate file)
        self.bogus = []  # (owner, type)

    def cert(self, host, kind):
        name = host if kind == "valid" else f"{host}-{kind}"
        self.certs[name] = (kind, [host])
        return name

    def chain_file(self, address, port):
        """The file a TLS listener is configured with; `testbed swap-cert` replaces it."""
        return f"{self.dir}/tls/{address.replace(':', '_')}-{port}.pem"

    def smtp_listener(self, host, address, opts):
        if "none" in opts:
            return "nothing listens"
        if "odd" in opts:
            self.oddities.append(f"{address} 25 {opts['odd']} {host}")
            self.listeners.append((address, 25, "oddities", host, "-", "-"))
            return f"smtp_servers.py `{opts['odd']}`"
        listen = f"[{address}]:25" if ":" in address else f"{address}:25"
        lines = [f"{listen} inet n - n - - smtpd", f"-o syslog_name=postfix/{host}", f"-o myhostname={host}"]
        if opts.get("tls") == "off":
            self.postfix.append("\n  ".join(lines + ["-o smtpd_tls_security_level=none"]))
            self.listeners.append((address, 25, "postfix", host, "-", "-"))
            return "Postfix, TLS off"
        kind = opts.get("cert", "valid")
        chain = self.chain_file(address, 25)
        lines.append(f"-o smtpd_tls_chain_files={chain}")
        if opts.get("tls") == "old":
            lines += ["-o smtpd_tls_protocols=!SSLv2,!SSLv3,!TLSv1.2,!TLSv1.3",
                      "-o smtpd_tls_mandatory_protocols=!SSLv2,!SSLv3,!TLSv1.2,!TLSv1.3",
                      "-o smtpd_tls_ciphers=medium", "-o tls_medium_cipherlist=DEFAULT@SECLEVEL=0"]
        self.postfix.append("\n  ".join(lines))
        self.listeners.append((address, 25, "postfix", host, self.cert(host, kind), chain))
        return "Postfix" + (f", certificate {kind}" if kind != "valid" else "") + (
            ", TLS 1.0/1.1 only" if opts.get("tls") == "old" else "")

    def https_server(self, domain, spec):
        address, opts = split_spec(spec)
        host = f"mta-sts.{domain.name}"
        self.records.append(rr(host, "A", address))
        serve = opts.get("serve", "policy")
        if serve == "none":
            return address, "nothing listens"
        kind = opts.get("cert", "valid")
        pem = self.chain_file(address, 443)
        body = {
            "policy": f"alias {self.dir}/policies/{domain.name}.txt;",
            "html": f"alias {self.dir}/policies/{domain.name}.txt;\n        default_type text/html;",
            "chunked": f"alias {self.dir}/policies/{domain.name}.txt;\n        sub_filter_types *;\n"
                       f"        sub_filter '@@testbed: never matches@@' '';  # drops Content-Length",
            "redirect": "return 301 https://mta-sts.good.test/.well-known/mta-sts.txt;",
        }[serve]
        self.nginx.append(
            f"server {{\n    listen {address}:443 ssl;\n    server_name {host};\n"
            f"    ssl_certificate {pem};\n    ssl_certificate_key {pem};\n"
            f"    location = /.well-known/mta-sts.txt {{\n        {body}\n    }}\n"
            f"    location / {{ return 404; }}\n}}\n")
        self.listeners.append((address, 443, "nginx", host, self.cert(host, kind), pem))
        what = {"policy": "", "html": ", text/html", "chunked": ", chunked", "redirect": ", 301"}[serve]
        return address, "nginx" + what + (f", certificate {kind}" if kind != "valid" else "")

    def domain(self, d):
        name, facts = d.name, {"expect": d.expect, "why": d.why, "mx": [], "mtaSts": None}
        if d.stub:
            self.zones.append((name, DEAD_DNS[d.stub]))
        if d.mx == "null":
            self.records.append(rr(name, "MX", "0 ."))
        served = {}  # MX host -> certificate name its listeners serve
        for pref, host, specs in d.mx if isinstance(d.mx, list) else []:
            self.records.append(rr(name, "MX", f"{pref} {host}."))
            entry = {"preference": pref, "host": host, "addresses": [], "servers": {}}
            target = d.cname.get(host)
            if target:
                self.records.append(rr(host, "CNAME", f"{target}."))
                entry["cname"] = target
            for spec in specs:
                address, opts = split_spec(spec)
                if ":" in address and not self.ipv6:
                    continue
                opts = options(d.smtp) | opts
                self.records.append(rr(target or host, "AAAA" if ":" in address else "A", address))
                entry["addresses"].append(address)
                before = len(self.listeners)
                entry["servers"][address] = self.smtp_listener(host, address, opts)
                if len(self.listeners) > before and self.listeners[-1][4] != "-":
                    served[host] = self.listeners[-1][4]
            facts["mx"].append(entry)
        if d.tlsa or d.expect_dane:
            facts["dane"] = {"expect": d.expect_dane, "zone": zone_of(name), "tlsa": []}
        for host, params, which in d.tlsa:
            mx_host = next((h for h, t in d.cname.items() if t == host), host)
            if which in ("next", "old"):  # a key the host does not serve: self-signed will do
                self.certs[f"{mx_host}-{which}"] = ("self-signed" if which == "next" else "valid", [mx_host])
            cert = served[mx_host] if which == "served" else f"{mx_host}-{which}"
            path = f"{self.dir}/ca/{which}.pem" if which in ("ca", "dane-ca") else f"{self.dir}/certs/{cert}.crt"
            owner = f"_{TLSA_PORT}._tcp.{host}"
            self.tlsa.append((owner, params, path))
            facts["dane"]["tlsa"].append({"owner": owner, "params": params, "certificate": which, "file": path})
        self.bogus += d.bogus
        sts = STS_TXT if d.sts is DEFAULT else d.sts or []
        tlsrpt = TLSRPT_TXT if d.tlsrpt is DEFAULT else d.tlsrpt
        self.records += [rr(f"_mta-sts.{name}", "TXT", txt(s)) for s in sts]
        self.records += [rr(f"_smtp._tls.{name}", "TXT", txt(s)) for s in tlsrpt]
        for rname, rtype, data in d.dns:
            self.records.append(rr(rname, rtype, txt(data) if rtype == "TXT" else data))
        if d.https is not None:
            address, what = self.https_server(d, d.https)
            facts["mtaSts"] = {"host": f"mta-sts.{name}", "address": address, "server": what}
        body = policy(mx=d.mx_hosts()) if d.policy is DEFAULT else d.policy
        if body is not None and d.https is not None:
            self.policies[name] = body
        elif facts["mtaSts"] and facts["mtaSts"]["server"] == "nginx":
            facts["mtaSts"]["server"] = "nginx, no policy file (404)"
        self.facts[name] = facts

    def render(self, dns_port, only=None):
        d = self.dir
        zoned = {z: [] for z in SIGNED_ZONES + UNSIGNED_ZONES}
        local = []
        for r in self.records:
            zone = zone_of(r.split()[0])
            (zoned[zone] if zone else local).append(r)
        for z in zoned:
            parent = zone_of(z.partition(".")[2])
            if parent:  # the delegation, without DS
                zoned[parent].append(rr(z, "NS", f"ns.{parent}."))
        for z, records in zoned.items():
            head = [rr(z, "SOA", f"ns.{z}. hostmaster.{z}. 1 3600 600 86400 0"), rr(z, "NS", f"ns.{z}."),
                    rr(f"ns.{z}", "A", "127.0.0.1")]
            write(f"{d}/dnssec/{z}.zone", "".join(f"{r}\n" for r in head + records))
        write(f"{d}/dnssec/zones", "".join(f"{z} signed\n" for z in SIGNED_ZONES) +
              "".join(f"{z} unsigned\n" for z in UNSIGNED_ZONES))
        write(f"{d}/dnssec/tlsa.todo", "".join(f"{o} {p} {f}\n" for o, p, f in self.tlsa))
        write(f"{d}/dnssec/bogus", "".join(f"{o} {t}\n" for o, t in self.bogus))
        write(f"{d}/unbound/records.conf", "".join(f"local-data: '{r}'\n" for r in [SOA] + local)
              + f'trust-anchor-file: "{d}/dnssec/trust-anchors.ds"\n'
              + "".join(f'local-zone: "{z}." transparent\n' for z, _ in self.zones)
              + "".join(f'local-zone: "{z}." transparent\n' for z in zoned)
              + "".join(f'stub-zone:\n    name: "{z}."\n    stub-addr: {a}@53\n' for z, a in self.zones)
              + "".join(f'auth-zone:\n    name: "{z}."\n    zonefile: "{d}/dnssec/{z}.served"\n'
                        f'    for-upstream: yes\n    for-downstream: no\n    fallback-enabled: no\n'
                        for z in zoned))
        write(f"{d}/unbound/unbound.conf", substitute("unbound.conf", {"DIR": d, "DNS_PORT": dns_port,
                                                                       "NO_QUERY": DEAD_DNS["servfail"]}))
        values = {"DIR": d, "INET_PROTOCOLS": "all" if self.ipv6 else "ipv4"}
        write(f"{d}/postfix/etc/main.cf", substitute("main.cf", values))
        write(f"{d}/postfix/etc/master.cf", substitute("master.cf", values) + "".join(
            f"{entry}\n" for entry in self.postfix))
        write(f"{d}/postfix/etc/vmailbox", "".join(f"@{m} {m}/\n" for m in self.facts))
        write(f"{d}/postfix/etc/vdomains", "".join(f"{m} ok\n" for m in self.facts))
        nginx = substitute("nginx.conf", {"DIR": d, "BULK_HTTPS": BULK_HTTPS})
        if only:  # no benchmark listener: the first instance has it
            head, _, rest = nginx.partition("    # bulk-begin")
            nginx = head + rest.partition("    # bulk-end\n")[2]
        write(f"{d}/nginx/nginx.conf", nginx)
        write(f"{d}/nginx/servers.conf", "\n".join(self.nginx))
        write(f"{d}/oddities/oddities.conf", "".join(f"{line}\n" for line in self.oddities))
        for name, body in self.policies.items():
            write(f"{d}/policies/{name}.txt", body)
        write(f"{d}/certs.todo", "".join(f"{n} {k} {' '.join(h)}\n" for n, (k, h) in self.certs.items()))
        write(f"{d}/listeners.tsv", "".join("\t".join(map(str, l)) + "\n" for l in self.listeners))
        env = {
            "dir": d,
            "dns": {"address": "127.0.0.1", "port": dns_port, "server": f"127.0.0.1@{dns_port}"},
            "caFile": f"{d}/ca/ca.pem",
            "trustAnchor": f"{d}/dnssec/trust-anchors.ds",
            "daneCA": f"{d}/ca/dane-ca.pem",
            "signedZones": SIGNED_ZONES,
            "only": only,
            "smtpPort": 25,
            "httpsPort": 443,
            "ipv6": self.ipv6,
            "unboundControl": {"socket": f"{d}/unbound/control.sock", "config": f"{d}/unbound/unbound.conf"},
            "mailDir": f"{d}/mail",
            "notifyDomain": "notify.test",
            "testbed": os.path.join(HERE, "testbed"),
            "domains": self.facts,
            "bulk": None,  # `testbed gen-domains` fills this in
        }
        write(f"{d}/env.json.new", json.dumps(env, indent=2, sort_keys=True) + "\n")
        write(f"{d}/env.new", "".join(f"export {k}={shlex.quote(str(v))}\n" for k, v in {
            "TESTBED_DIR": d, "TESTBED_ENV_JSON": f"{d}/env.json",
            "PRELOAD_DNS": f"127.0.0.1@{dns_port}", "PRELOAD_CA_FILE": f"{d}/ca/ca.pem",
            "TESTBED_TRUST_ANCHOR": f"{d}/dnssec/trust-anchors.ds", "PRELOAD_TRUST_ANCHOR": f"{d}/dnssec/trust-anchors.ds",
            "TESTBED_DNS_ADDRESS": "127.0.0.1", "TESTBED_DNS_PORT": dns_port,
            "TESTBED_SMTP_PORT": 25, "TESTBED_HTTPS_PORT": 443,
            "TESTBED_UNBOUND_CONTROL_SOCKET": f"{d}/unbound/control.sock",
            "TESTBED_UNBOUND_CONF": f"{d}/unbound/unbound.conf",
            "TESTBED_MAIL_DIR": f"{d}/mail",
        }.items()))


def ipv6_works():
    """Whether ::1 can be bound (TESTBED_IPV6=0 says not to try): only then do MX hosts get AAAA records."""
    if os.environ.get("TESTBED_IPV6") == "0":
        return False
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def zone_of(name):
    """The DNSSEC test zone holding `name` (the longest), or None for the local data of `test.`."""
    name = name.rstrip(".").lower()
    zones = [z for z in SIGNED_ZONES + UNSIGNED_ZONES if name == z or name.endswith("." + z)]
    return max(zones, key=len) if zones else None


def selected(only):
    """The scenarios to render: all, or those matching one of the comma-separated globs of TESTBED_ONLY."""
    globs = [g for g in (only or "").split(",") if g]
    return [d for d in SCENARIOS if not globs or any(fnmatch.fnmatchcase(d.name, g) for g in globs)]


def render(run_dir, dns_port, ipv6):
    only = os.environ.get("TESTBED_ONLY") or None
    plan = Plan(run_dir, ipv6)
    chosen = selected(only)
    if not chosen:
        sys.exit(f"scenarios.py: no scenario matches {only!r}")
    for d in chosen:
        plan.domain(d)
    plan.render(dns_port, only)


# --- DNSSEC zones --------------------------------------------------------------------------------------------


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, **kw).stdout


def tlsa_data(selector, mtype, cert_file):
    """The association data of a TLSA record for a certificate file (RFC 6698 §2.1), in hex."""
    der = run("openssl", "x509", "-in", cert_file, "-outform", "DER")
    if selector == "1":
        pub = run("openssl", "x509", "-in", cert_file, "-noout", "-pubkey")
        der = run("openssl", "pkey", "-pubin", "-outform", "DER", input=pub)
    return {"0": lambda b: b.hex(), "1": lambda b: hashlib.sha256(b).hexdigest(),
            "2": lambda b: hashlib.sha512(b).hexdigest()}[mtype](der)


def zones(run_dir):
    """Adds the TLSA records to the zone files, signs the signed zones with fresh keys (ldns), replaces the
    RRSIGs named in dnssec/bogus by expired ones, and writes dnssec/ZONE.served and the trust anchors."""
    z_dir = f"{run_dir}/dnssec"
    kinds = dict(line.split() for line in open(f"{z_dir}/zones"))
    tlsa = [line.split() for line in open(f"{z_dir}/tlsa.todo")]
    bogus = {tuple(line.split()) for line in open(f"{z_dir}/bogus")}
    facts = []
    for owner, usage, selector, mtype, cert in tlsa:
        data = tlsa_data(selector, mtype, cert)
        zone = zone_of(owner)
        with open(f"{z_dir}/{zone}.zone", "a") as f:
            f.write(rr(owner, "TLSA", f"{usage} {selector} {mtype} {data}") + "\n")
        facts.append((owner, f"{usage} {selector} {mtype}", cert, data))
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = lambda days: (now + datetime.timedelta(days=days)).strftime("%Y%m%d%H%M%S")
    anchors = []
    for zone, kind in kinds.items():
        source = f"{z_dir}/{zone}.zone"
        if kind != "signed":
            write(f"{z_dir}/{zone}.served", open(source).read())
            continue
        keys = f"{z_dir}/keys-{zone}"
        os.makedirs(keys, exist_ok=True)
        ksk = run("ldns-keygen", "-a", "ECDSAP256SHA256", "-k", zone, cwd=keys).decode().strip()
        zsk = run("ldns-keygen", "-a", "ECDSAP256SHA256", zone, cwd=keys).decode().strip()
        anchors.append(open(f"{keys}/{ksk}.ds").read().strip())
        key_files = [f"{keys}/{ksk}", f"{keys}/{zsk}"]
        run("ldns-signzone", "-n", "-i", stamp(-1), "-e", stamp(30), "-f", f"{z_dir}/{zone}.signed", source, *key_files)
        lines = open(f"{z_dir}/{zone}.signed").read().splitlines()
        wanted = {(o.rstrip(".").lower(), t) for o, t in bogus if zone_of(o) == zone}
        if wanted:
            run("ldns-signzone", "-n", "-i", stamp(-40), "-e", stamp(-10), "-f", f"{z_dir}/{zone}.expired", source,
                *key_files)
            def covered(line):
                f = line.split()
                return len(f) > 4 and f[3] == "RRSIG" and (f[0].rstrip(".").lower(), f[4]) in wanted
            expired = [l for l in open(f"{z_dir}/{zone}.expired").read().splitlines() if covered(l)]
            if len(expired) != len(wanted):
                sys.exit(f"scenarios.py: no RRSIG to make bogus for {sorted(wanted)} in {zone}")
            lines = [l for l in lines if not covered(l)] + expired
        write(f"{z_dir}/{zone}.served", "\n".join(lines) + "\n")
    write(f"{z_dir}/trust-anchors.ds", "".join(f"{a}\n" for a in anchors))
    # The TLSA data goes into env.json.new's facts, for tests.
    env_path = f"{run_dir}/env.json.new"
    env = json.load(open(env_path))
    for d in env["domains"].values():
        for record in (d.get("dane") or {}).get("tlsa", []):
            record["data"] = next(data for o, p, c, data in facts if o == record["owner"] and p == record["params"]
                                  and c == record["file"])
    write(env_path, json.dumps(env, indent=2, sort_keys=True) + "\n")


# --- benchmark domains ---------------------------------------------------------------------------------------


def bulk(run_dir, n, banner_delay, stall_fraction):
    """N domains bulkNNNN.test, each with mx1/mx2 on their own addresses and a policy behind BULK_HTTPS.

    The MX hosts are served by smtp_servers.py (see README.md for why not Postfix): `smtp` after the banner
    delay, or `stall` for an evenly spread fraction of the hosts.
    """
    b = f"{run_dir}/bulk"
    records, listeners, names, hosts_out = [], [], [], []
    certs = {}  # one certificate per ten domains (bulk0120-bulk0129 share bulk012): minting is the slow part
    for i in range(1, n + 1):
        name, group = f"bulk{i:04}.test", f"bulk{i:04}"[:-1]
        names.append(name)
        hosts = [f"mx1.{name}", f"mx2.{name}"]
        records += [rr(name, "MX", f"10 {hosts[0]}."), rr(name, "MX", f"20 {hosts[1]}."),
                    rr(f"_mta-sts.{name}", "TXT", txt(f"v=STSv1; id=bulk{i}")),
                    rr(f"_smtp._tls.{name}", "TXT", txt(TLSRPT_TXT[0])), rr(f"mta-sts.{name}", "A", BULK_HTTPS)]
        certs.setdefault(group, []).extend(hosts + [f"mta-sts.{name}"])
        for j, host in enumerate(hosts):
            k = len(hosts_out)  # host k stalls when floor((k+1)F) > floor(kF): exactly F of them, evenly spread
            stalls = int((k + 1) * stall_fraction) > int(k * stall_fraction)
            address = f"127.{21 + j}.{i // 200}.{i % 200 + 1}"
            records.append(rr(host, "A", address))
            hosts_out.append({"host": host, "address": address, "stalls": stalls})
            listeners.append(f"{address} 25 stall {host}" if stalls else
                             f"{address} 25 smtp {host} cert={b}/certs/{group}.pem delay={banner_delay:g}")
        write(f"{run_dir}/policies/{name}.txt", policy(mx=[f"*.{name}"]))
    write(f"{b}/records.conf", "".join(f"{r}\n" for r in records))
    write(f"{b}/names", "".join(f"{x}\n" for x in sorted({r.split()[0] for r in records})))
    write(f"{b}/smtp.conf", "".join(f"{line}\n" for line in listeners))
    write(f"{b}/certs.todo", "".join(f"{g} valid {' '.join(h)}\n" for g, h in certs.items()))
    write(f"{b}/domains", "".join(f"{x}\n" for x in names))
    write(f"{b}/bulk.json", json.dumps({
        "count": n, "bannerDelay": banner_delay, "stallFraction": stall_fraction, "httpsAddress": BULK_HTTPS,
        "domainsFile": f"{b}/domains", "stalledHosts": sum(h["stalls"] for h in hosts_out), "hosts": hosts_out,
    }, indent=1, sort_keys=True) + "\n")


# --- README table ------------------------------------------------------------------------------------------


def table():
    plan = Plan("DIR", True)
    print("| Domain | MX hosts (preference) → addresses: server | mta-sts host | What is wrong | Issue codes |")
    print("|---|---|---|---|---|")
    for d in SCENARIOS:
        plan.domain(d)
        f = plan.facts[d.name]
        mx = "; ".join(f"{m['host']} ({m['preference']}) → " + (", ".join(
            f"{a}: {m['servers'][a]}" for a in m["addresses"]) or "no address") for m in f["mx"])
        if d.mx == "null":
            mx = "`MX 0 .`"
        elif d.stub:
            mx = f"(zone delegated to {DEAD_DNS[d.stub]})"
        elif not mx:
            mx = "none"
        sts = f"{f['mtaSts']['address']}: {f['mtaSts']['server']}" if f["mtaSts"] else "none"
        codes = ", ".join(f"`{c}`" for c in d.expect) or "none"
        if d.tlsa or d.expect_dane:
            codes += "; with DANE: " + (", ".join(f"`{c}`" for c in d.expect_dane) or "none")
        print(f"| `{d.name}` | {mx} | {sts} | {d.why} | {codes} |")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["render"] and len(args) == 3:
        render(os.path.abspath(args[1]), int(args[2]), ipv6_works())
    elif args[:1] == ["zones"] and len(args) == 2:
        zones(os.path.abspath(args[1]))
    elif args[:1] == ["bulk"] and len(args) == 5:
        bulk(os.path.abspath(args[1]), int(args[2]), float(args[3]), float(args[4]))
    elif args == ["table"]:
        table()
    else:
        sys.exit(__doc__)
