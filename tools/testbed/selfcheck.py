#!/usr/bin/env python3
"""Prove that the running test bed serves what scenarios.py says: every scenario's DNS records, every MX
address's SMTP/STARTTLS/certificate behaviour and every policy host's HTTPS answer, observed from outside
with the standard library only (a small DNS client, sockets, ssl).

Usage: selfcheck.py ENV_JSON [--verbose]   (`testbed selfcheck` runs it)
Prints the failed checks (every check with --verbose) and a count; exits 1 if one failed. It compares with
the scenario table, so run-time DNS and certificate changes (dns-add, swap-cert...) show up as failures.
"""

import datetime
import json
import os
import random
import socket
import ssl
import struct
import subprocess
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenarios  # noqa: E402

if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["--verbose"]):
    sys.exit(__doc__)
ENV = json.load(open(sys.argv[1]))
VERBOSE = sys.argv[2:] == ["--verbose"]
CA = ENV["caFile"]
TIMEOUT = 3
checks = failures = 0
warnings.filterwarnings("ignore", category=DeprecationWarning)  # TLS 1.0, on purpose


def report(ok, what, seen):
    global checks, failures
    checks, failures = checks + 1, failures + (not ok)
    if VERBOSE or not ok:
        print(f"{'ok  ' if ok else 'FAIL'} {what}: {seen}")


# --- DNS -----------------------------------------------------------------------------------------------------

TYPES = {"A": 1, "CNAME": 5, "MX": 15, "TXT": 16, "AAAA": 28, "TLSA": 52}
RCODES = {0: "NOERROR", 2: "SERVFAIL", 3: "NXDOMAIN", 5: "REFUSED"}


def read_name(msg, pos):
    labels, end = [], None
    while msg[pos]:
        if msg[pos] >= 0xC0:
            end = end or pos + 2
            pos = struct.unpack("!H", msg[pos:pos + 2])[0] & 0x3FFF
            continue
        labels.append(msg[pos + 1:pos + 1 + msg[pos]].decode())
        pos += 1 + msg[pos]
    return ".".join(labels) + ".", end or pos + 1


def query(name, rtype, dnssec=False):
    """(rcode name, [(type, data)]) from the test bed's unbound, or ("TIMEOUT", []). With `dnssec`, the query
    sets DO and AD (RFC 6840 §5.7) and the answers end with ("AD", True/False): whether unbound validated it."""
    qid = random.randrange(65536)
    packet = struct.pack("!HHHHHH", qid, 0x0120 if dnssec else 0x0100, 1, 0, 0, 1 if dnssec else 0)
    packet += b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"
    packet += struct.pack("!HH", TYPES[rtype], 1)
    if dnssec:  # OPT: UDP size 1232, DO
        packet += b"\0" + struct.pack("!HHIH", 41, 1232, 0x8000, 0)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(TIMEOUT)
        s.sendto(packet, (ENV["dns"]["address"], ENV["dns"]["port"]))
        try:
            msg = s.recv(65535)
        except socket.timeout:
            return "TIMEOUT", []
    rcode, count = msg[3] & 0xF, struct.unpack("!H", msg[6:8])[0]
    pos = read_name(msg, 12)[1] + 4
    answers = []
    for _ in range(count):
        pos = read_name(msg, pos)[1]
        atype, _, _, length = struct.unpack("!HHIH", msg[pos:pos + 10])
        pos += 10
        data = msg[pos:pos + length]
        if atype == 1:
            answers.append(("A", socket.inet_ntop(socket.AF_INET, data)))
        elif atype == 28:
            answers.append(("AAAA", socket.inet_ntop(socket.AF_INET6, data)))
        elif atype == 15:
            answers.append(("MX", f"{struct.unpack('!H', data[:2])[0]} {read_name(msg, pos + 2)[0]}"))
        elif atype == 5:
            answers.append(("CNAME", read_name(msg, pos)[0]))
        elif atype == 16:
            strings, i = [], 0
            while i < length:
                strings.append(data[i + 1:i + 1 + data[i]].decode())
                i += 1 + data[i]
            answers.append(("TXT", tuple(strings)))
        elif atype == 52:
            answers.append(("TLSA", f"{data[0]} {data[1]} {data[2]} {data[3:].hex()}"))
        pos += length
    if dnssec:
        answers.append(("AD", bool(msg[3] & 0x20)))
    return RCODES.get(rcode, str(rcode)), answers


def txt_set(records):
    return sorted(tuple(r) if isinstance(r, tuple) else (r,) for r in records)


def check_dns(d, facts):
    rcode, answers = query(d.name, "MX")
    if d.stub:
        # A dead server times out until unbound marks it down, then gives SERVFAIL (see README).
        want = {"servfail": ["SERVFAIL"], "timeout": ["TIMEOUT", "SERVFAIL"]}[d.stub]
        report(rcode in want, f"{d.name} MX", rcode)
        return
    mx = sorted(v for t, v in answers if t == "MX")
    want = ["0 ."] if d.mx == "null" else sorted(f"{p} {h}." for p, h, _ in (d.mx if isinstance(d.mx, list) else []))
    report(rcode == "NOERROR" and mx == want, f"{d.name} MX", f"{rcode} {mx}")
    for m in facts["mx"]:
        got = sorted(v for t in ("A", "AAAA") for rt, v in query(m["host"], t)[1] if rt == t)
        report(got == sorted(m["addresses"]), f"{m['host']} A/AAAA", got or query(m["host"], "A")[0])
    sts_name = f"_mta-sts.{d.name}"
    cname = [data for n, t, data in d.dns if n == sts_name and t == "CNAME"]
    if cname:  # unbound answers the CNAME alone; resolvers (libunbound) follow it
        got = [v for t, v in query(sts_name, "TXT")[1] if t == "CNAME"]
        report(got == cname, f"{sts_name} CNAME", got)
        sts_name = cname[0]
    sts = [v for t, v in query(sts_name, "TXT")[1] if t == "TXT"]
    want_sts = scenarios.STS_TXT if d.sts is scenarios.DEFAULT else (d.sts or [])
    want_sts = want_sts + [data for n, t, data in d.dns if f"{n}." == sts_name and t == "TXT"]
    report(txt_set(sts) == txt_set(want_sts), f"{sts_name} TXT", sts)
    rpt = [v for t, v in query(f"_smtp._tls.{d.name}", "TXT")[1] if t == "TXT"]
    want_rpt = scenarios.TLSRPT_TXT if d.tlsrpt is scenarios.DEFAULT else d.tlsrpt
    report(txt_set(rpt) == txt_set(want_rpt), f"_smtp._tls.{d.name} TXT", rpt)


# --- SMTP ----------------------------------------------------------------------------------------------------


def context(old=False, verify=True):
    ctx = ssl.create_default_context(cafile=CA)
    ctx.hostname_checks_common_name = False  # RFC 8461 §4.2: SAN only
    if old:
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("DEFAULT@SECLEVEL=0")
    if not verify:
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    return ctx


class Lines:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("latin-1")

    def reply(self, limit=100):
        lines = [self.line()]
        while lines[-1][3:4] == "-" and len(lines) < limit:
            lines.append(self.line())
        return lines


def smtp_observe(address, host, old=False):
    """What an MX address does, as one short string."""
    try:
        sock = socket.create_connection((address, 25), timeout=TIMEOUT)
    except ConnectionRefusedError:
        return "refused"
    with sock:
        r = Lines(sock)
        try:
            banner = r.reply()
        except socket.timeout:
            return "no banner"
        if not banner[0][:3].isdigit():
            return "not smtp"
        if len(banner) >= 100:
            return "endless banner"
        sock.sendall(b"EHLO selfcheck.test\r\n")
        if "STARTTLS" not in [l[4:].upper() for l in r.reply()]:
            return "no starttls"
        sock.sendall(b"STARTTLS\r\n")
        answer = r.reply()[0]
        if not answer.startswith("220"):
            return f"starttls {answer[:3]}"
        try:
            with context(old).wrap_socket(sock, server_hostname=host) as tls:
                days = (ssl.cert_time_to_seconds(tls.getpeercert()["notAfter"]) -
                        datetime.datetime.now().timestamp()) / 86400
                return f"{tls.version()} ok" + (f" expires in {days:.0f} days" if days < 14 else "")
        except ssl.SSLCertVerificationError as e:
            return f"cert: {e.verify_message}"
        except (ssl.SSLError, ConnectionError) as e:
            return f"handshake failed ({getattr(e, 'reason', None) or e})"


SMTP_WANT = {
    "": "TLSv1.3 ok", "none": "refused", "tls=off": "no starttls", "tls=old": "handshake failed",
    "cert=expired": "cert: certificate has expired", "cert=self-signed": "cert: self-signed certificate",
    "cert=wrong-name": "cert: Hostname mismatch", "cert=cn-only": "cert: Hostname mismatch",
    "cert=expiring": "TLSv1.3 ok expires in 5 days", "odd=stall": "no banner", "odd=garbage": "not smtp",
    "odd=flood": "endless banner", "odd=starttls-454": "starttls 454", "odd=tls-garbage": "handshake failed",
    "cert=dane-ta": "cert: self-signed certificate in certificate chain",  # the DANE CA, served with the leaf
}


def check_smtp(d, facts):
    for (_, host, specs), m in zip(d.mx if isinstance(d.mx, list) else [], facts["mx"]):
        for spec in specs:
            address, opts = scenarios.split_spec(spec)
            if address not in m["addresses"]:
                continue  # ::1 without IPv6
            opts = " ".join(k if v is True else f"{k}={v}" for k, v in (scenarios.options(d.smtp) | opts).items())
            seen = smtp_observe(address, host)
            ok = seen.startswith(SMTP_WANT[opts])
            if opts == "tls=old" and ok:
                seen = f"{seen}; with TLS 1.0 allowed: {smtp_observe(address, host, old=True)}"
                ok = "TLSv1.1 ok" in seen
            report(ok, f"{host} {address}:25 [{opts or 'good'}]", seen)


# --- HTTPS ---------------------------------------------------------------------------------------------------


def https_observe(address, host):
    try:
        sock = socket.create_connection((address, 443), timeout=TIMEOUT)
    except ConnectionRefusedError:
        return "refused", {}, b""
    try:
        with context().wrap_socket(sock, server_hostname=host) as tls:
            tls.sendall(f"GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := tls.recv(65536):
                data += chunk
    except ssl.SSLCertVerificationError as e:
        return f"cert: {e.verify_message}", {}, b""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":
        raw, body = body, b""
        while True:
            size, _, raw = raw.partition(b"\r\n")
            if not int(size, 16):
                break
            body, raw = body + raw[:int(size, 16)], raw[int(size, 16) + 2:]
    return lines[0].split(" ")[1], headers, body


def check_https(d, facts):
    if not facts["mtaSts"]:
        return
    address, opts = scenarios.split_spec(d.https)
    host = facts["mtaSts"]["host"]
    status, headers, body = https_observe(address, host)
    policy = open(f"{ENV['dir']}/policies/{d.name}.txt", "rb").read() if os.path.exists(
        f"{ENV['dir']}/policies/{d.name}.txt") else None
    seen = f"{status} {headers.get('content-type', '')} length={headers.get('content-length', '-')} " \
           f"{headers.get('transfer-encoding', '')} body={len(body)}".strip()
    serve, cert = opts.get("serve", "policy"), opts.get("cert", "valid")
    if serve == "none":
        ok = status == "refused"
    elif cert != "valid":
        ok, seen = status.startswith("cert: "), status
    elif serve == "redirect":
        ok, seen = status == "301" and "location" in headers, f"{status} to {headers.get('location')}"
    elif policy is None:
        ok = status == "404"
    else:
        ok = status == "200" and body == policy and headers.get("content-type", "").startswith(
            "text/html" if serve == "html" else "text/plain")
        if serve == "chunked":
            ok = ok and "content-length" not in headers and len(body) > 65536
        elif len(policy) > 65536:
            ok = ok and int(headers.get("content-length", 0)) > 65536
    report(ok, f"https://{host}/ at {address} [{d.https.partition(' ')[2] or 'good'}]", seen)


# --- DNSSEC and DANE -----------------------------------------------------------------------------------------


def dane_verify(address, host, tlsa_name, records):
    """OpenSSL's own DANE check of what the address serves against `records` ("U S M HEX"), as a string."""
    args = ["openssl", "s_client", "-connect", f"{address}:25", "-starttls", "smtp", "-servername", host,
            "-dane_tlsa_domain", host, "-dane_ee_no_namechecks", "-verify_return_error", "-brief"]
    for r in records:
        args += ["-dane_tlsa_rrdata", r]
    try:
        out = subprocess.run(args, input=b"", capture_output=True, timeout=10).stderr.decode("latin-1")
    except subprocess.TimeoutExpired:
        return "timeout"
    if "Verification: OK" in out:
        return "matched " + next((l.split(" matched ")[1] for l in out.splitlines() if " matched " in l), "")
    if "no matching DANE TLSA records" in out:
        return "no match"
    return "failed: " + " ".join(out.split())[:120]


def check_dane(d, facts):
    dane = facts.get("dane")
    if not dane:
        return
    signed = dane["zone"] in ENV["signedZones"]
    rcode, answers = query(d.name, "MX", dnssec=True)
    report(rcode == "NOERROR" and ("AD", signed) in answers, f"{d.name} MX validated={signed}", f"{rcode} {answers[-1:]}")
    owners = sorted({r["owner"] for r in dane["tlsa"]})
    bogus = {o for o, t in d.bogus if t == "TLSA"}
    for owner in owners:
        want = sorted(f"{r['params']} {r['data']}" for r in dane["tlsa"] if r["owner"] == owner)
        rcode, answers = query(owner, "TLSA", dnssec=True)
        got = sorted(v for t, v in answers if t == "TLSA")
        if owner in bogus:
            report(rcode == "SERVFAIL", f"{owner} TLSA bogus", rcode)
            continue
        report(rcode == "NOERROR" and got == want and ("AD", signed) in answers,
               f"{owner} TLSA validated={signed}", f"{rcode} {got} {answers[-1:]}")
    usable = [f"{r['params']} {r['data']}" for r in dane["tlsa"] if r["params"][0] in "23"]
    if not usable:
        return
    mismatch = "dane.tlsa-mismatch" in dane["expect"]
    for m in facts["mx"]:
        tlsa_host = m.get("cname", m["host"])
        records = [f"{r['params']} {r['data']}" for r in dane["tlsa"] if r["owner"] == f"_25._tcp.{tlsa_host}"
                   and r["params"][0] in "23"]
        for address in m["addresses"]:
            seen = dane_verify(address, m["host"], tlsa_host, records)
            report(seen == "no match" if mismatch else seen.startswith("matched"),
                   f"{m['host']} {address}:25 DANE {'mismatch' if mismatch else 'match'}", seen)


# --- main ----------------------------------------------------------------------------------------------------

for domain in scenarios.SCENARIOS:
    facts = ENV["domains"].get(domain.name)
    if facts is None:
        continue  # not in this instance (`testbed start --only`)
    check_dns(domain, facts)
    check_smtp(domain, facts)
    check_https(domain, facts)
    check_dane(domain, facts)
print(f"selfcheck: {checks} checks, {failures} failed")
sys.exit(1 if failures else 0)
