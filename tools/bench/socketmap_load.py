#!/usr/bin/env python3
"""A neutral load generator for Postfix socketmap daemons (preload socketmap, postfix-mta-sts-resolver).

It behaves like Postfix: each connection sends one request (netstring `NAME KEY`) and waits for its reply
before the next. Two modes:

  cold  query every domain of --domains exactly once, --concurrency connections at a time; reports how
        long resolving all of them took (domains per second) and the per-request latency.
  warm  for --seconds, --concurrency connections query domains round-robin; reports answers per second
        and p50/p99 latency. Run it after `cold` so that every policy is cached.

Output: one JSON object on stdout. Requests and time are bounded; only loopback addresses are allowed.
"""
import argparse
import asyncio
import ipaddress
import json
import sys
import time


def netstring(text):
    data = text.encode()
    return str(len(data)).encode() + b":" + data + b","


async def read_netstring(reader):
    length = b""
    while True:
        c = await reader.readexactly(1)
        if c == b":":
            break
        if not c.isdigit() or len(length) > 6:
            raise ValueError("bad netstring length")
        length += c
    data = await reader.readexactly(int(length) + 1)
    if data[-1:] != b",":
        raise ValueError("bad netstring terminator")
    return data[:-1].decode(errors="replace")


class Stats:
    def __init__(self):
        self.latencies = []
        self.kinds = {}
        self.errors = 0

    def add(self, seconds, reply):
        self.latencies.append(seconds)
        kind = reply.split(" ", 1)[0]
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def summary(self, elapsed):
        lat = sorted(self.latencies)

        def pct(p):
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 3) if lat else None

        return {"requests": len(lat), "errors": self.errors, "elapsed_s": round(elapsed, 3),
                "per_second": round(len(lat) / elapsed, 1) if elapsed > 0 else None,
                "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": pct(1.0), "answers": self.kinds}


async def connection(host, port, name, queue, stats, deadline, timeout):
    reader = writer = None
    try:
        while time.monotonic() < deadline:
            domain = queue()
            if domain is None:
                return
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
            start = time.perf_counter()
            writer.write(netstring(f"{name} {domain}"))
            try:
                reply = await asyncio.wait_for(read_netstring(reader), timeout)
            except (asyncio.IncompleteReadError, ConnectionError, asyncio.TimeoutError, ValueError):
                stats.errors += 1
                writer.close()
                reader = writer = None
                continue
            stats.add(time.perf_counter() - start, reply)
    finally:
        if writer is not None:
            writer.close()


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["cold", "warm"])
    ap.add_argument("--address", required=True, help="HOST:PORT of the daemon (loopback only)")
    ap.add_argument("--name", default="postfix", help="socketmap name")
    ap.add_argument("--domains", required=True, help="file with one domain per line")
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10.0, help="warm: how long to run")
    ap.add_argument("--timeout", type=float, default=30.0, help="per request")
    args = ap.parse_args()
    host, port = args.address.rsplit(":", 1)
    if not ipaddress.ip_address(host.strip("[]")).is_loopback:
        sys.exit("only loopback addresses are allowed")
    domains = [d.strip() for d in open(args.domains) if d.strip()]
    stats = Stats()
    if args.mode == "cold":
        pending = iter(domains)
        queue = lambda: next(pending, None)
        deadline = time.monotonic() + 600
    else:
        counter = [0]

        def queue():
            counter[0] += 1
            return domains[counter[0] % len(domains)]
        deadline = time.monotonic() + min(args.seconds, 300)
    start = time.perf_counter()
    await asyncio.gather(*(connection(host, int(port), args.name, queue, stats, deadline, args.timeout)
                           for _ in range(args.concurrency)))
    result = stats.summary(time.perf_counter() - start)
    result.update({"mode": args.mode, "address": args.address, "concurrency": args.concurrency,
                   "domains": len(domains)})
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    asyncio.run(main())
