#!/usr/bin/env python3
"""Small SMTP servers, one process for any number of addresses: the scenario hosts that misbehave in
ways Postfix cannot, and the benchmark hosts of `testbed gen-domains`.

Usage: smtp_servers.py CONFIG PIDFILE

CONFIG has one listener per line, `ADDRESS PORT MODE HOSTNAME [cert=FILE] [delay=SECONDS]` (`#` starts a
comment). MODE is one of:

  smtp          a well-behaved server: banner after `delay` seconds, STARTTLS with the key and certificate
                in `cert` (one PEM file), then EHLO/NOOP/RSET/QUIT; mail itself is refused
  stall         accept the connection and never send a byte (until the client leaves, at most 1 h)
  garbage       send an HTTP error and binary junk instead of an SMTP banner, then wait for the client
  flood         send an endless `220-` banner continuation, never a final `220 ` line
  starttls-454  behave until STARTTLS, which is advertised but answered `454 4.7.0`
  tls-garbage   accept STARTTLS with `220`, then send junk instead of a TLS ServerHello

PIDFILE is written once every listener is bound, so its existence means "ready". Standard library only.
"""

import asyncio
import os
import ssl
import sys

MAX_LINE = 4096
IDLE = 300  # seconds a client may stay silent in a conversation
STALL = 3600  # seconds a stalled connection is held at most


async def read_command(reader):
    """One client line, or None when the client left, went silent, or sent an over-long line."""
    try:
        line = await asyncio.wait_for(reader.readuntil(b"\n"), IDLE)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ConnectionError):
        return None
    return line.decode("ascii", "replace").strip()


async def converse(reader, writer, host, on_starttls):
    """A minimal SMTP server loop. `on_starttls(writer)` says how it goes on: "tls", "plain" or "closed"."""
    writer.write(f"220 {host} ESMTP test bed\r\n".encode())
    tls = False
    while True:
        await writer.drain()
        line = await read_command(reader)
        if line is None:
            return
        verb = line.split(" ", 1)[0].upper()
        if verb == "EHLO":
            lines = [host, "PIPELINING", *([] if tls else ["STARTTLS"]), "8BITMIME"]
            writer.write("".join(f"250-{line}\r\n" for line in lines[:-1]).encode() + f"250 {lines[-1]}\r\n".encode())
        elif verb == "HELO":
            writer.write(f"250 {host}\r\n".encode())
        elif verb == "STARTTLS" and not tls:
            outcome = await on_starttls(writer)
            if outcome == "closed":
                return
            tls = outcome == "tls"
        elif verb in ("NOOP", "RSET"):
            writer.write(b"250 2.0.0 OK\r\n")
        elif verb == "QUIT":
            writer.write(b"221 2.0.0 Bye\r\n")
            await writer.drain()
            return
        elif verb in ("MAIL", "RCPT", "DATA"):
            writer.write(b"550 5.7.1 This test-bed host accepts no mail\r\n")
        else:
            writer.write(b"502 5.5.2 Command not recognized\r\n")


async def wait_for_close(reader, limit):
    """Hold the connection, discarding input, until the client closes it or `limit` seconds pass."""
    try:
        async with asyncio.timeout(limit):
            while await reader.read(4096):
                pass
    except (TimeoutError, ConnectionError):
        pass


async def smtp(reader, writer, listener):
    async def upgrade(w):
        w.write(b"220 2.0.0 Ready to start TLS\r\n")
        await w.drain()
        await w.start_tls(listener["context"])
        return "tls"

    if listener["delay"]:
        await asyncio.sleep(listener["delay"])
    await converse(reader, writer, listener["host"], upgrade)


async def stall(reader, writer, listener):
    await wait_for_close(reader, STALL)


async def garbage(reader, writer, listener):
    writer.write(b"HTTP/1.1 400 Bad Request\r\nServer: not-smtp\r\n\r\n\x00\xff\xfe\x16\x03\x01garbage\r\n")
    await writer.drain()
    await wait_for_close(reader, IDLE)


async def flood(reader, writer, listener):
    host = listener["host"].encode()
    chunk = b"".join(b"220-%s flooding line %05d, the banner never ends\r\n" % (host, i) for i in range(1000))
    while True:
        writer.write(chunk)
        await writer.drain()


async def starttls_454(reader, writer, listener):
    async def refuse(w):
        w.write(b"454 4.7.0 TLS not available due to local problem\r\n")
        return "plain"

    await converse(reader, writer, listener["host"], refuse)


async def tls_garbage(reader, writer, listener):
    async def junk(w):
        w.write(b"220 2.0.0 Ready to start TLS\r\n")
        await w.drain()
        await reader.read(4096)  # the ClientHello
        w.write(b"this is not a TLS ServerHello\r\n" * 4)
        await w.drain()
        await wait_for_close(reader, IDLE)
        return "closed"

    await converse(reader, writer, listener["host"], junk)


MODES = {
    "smtp": smtp,
    "stall": stall,
    "garbage": garbage,
    "flood": flood,
    "starttls-454": starttls_454,
    "tls-garbage": tls_garbage,
}


def handler(listener):
    async def handle(reader, writer):
        try:
            await MODES[listener["mode"]](reader, writer, listener)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    return handle


def read_config(path):
    listeners, contexts = [], {}
    with open(path) as f:
        for number, raw in enumerate(f, 1):
            fields = raw.split("#", 1)[0].split()
            if not fields:
                continue
            options = dict(field.split("=", 1) for field in fields[4:] if "=" in field)
            if len(fields) < 4 or fields[2] not in MODES or (fields[2] == "smtp") != ("cert" in options):
                sys.exit(f"{path}:{number}: expected ADDRESS PORT MODE HOSTNAME [cert=FILE] [delay=SECONDS] "
                         f"(MODE one of {', '.join(MODES)}; cert= for smtp only, and always there)")
            listener = {"address": fields[0], "port": int(fields[1]), "mode": fields[2], "host": fields[3],
                        "delay": float(options.get("delay", 0))}
            if "cert" in options:
                if options["cert"] not in contexts:
                    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                    context.load_cert_chain(options["cert"])
                    contexts[options["cert"]] = context
                listener["context"] = contexts[options["cert"]]
            listeners.append(listener)
    return listeners


async def main(config, pidfile):
    servers = []
    for listener in read_config(config):
        servers.append(await asyncio.start_server(handler(listener), listener["address"], listener["port"],
                                                  limit=MAX_LINE, backlog=128))
    tmp = pidfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{os.getpid()}\n")
    os.replace(tmp, pidfile)
    print(f"{len(servers)} listeners ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        asyncio.run(main(sys.argv[1], sys.argv[2]))
    except KeyboardInterrupt:
        pass
