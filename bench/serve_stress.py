#!/usr/bin/env python3
"""Load generators and checks for bench/serve-stress (one subcommand each).

Every load runs until --until (a Unix time) and then writes its figures as
JSON to --out: counters, plus "failures", a list of what went wrong (a
failure makes the whole run fail). "report" reads them all and prints the
summary. Only the standard library: Debian's python3 is enough.

Files in the root (made by "make-root"):
  s-1K.bin s-64K.bin s-1M.bin s-64M.bin   stable: never change while served
  r-8K.txt r-1M.txt   replaced: a new version is renamed over them
  t-8K.txt t-1M.txt   truncated in place to a random length and regrown
The .txt files are 16-byte lines "VVVVVV:OOOOOOOO\n" (version, line number
in hex), so any byte range of any version says where it came from: a body
whose lines are not at their own offset was sent from the wrong place.
"""
import argparse
import json
import os
import random
import re
import resource
import selectors
import socket
import sys
import threading
import time

LINE = 16
MUTABLE = {"r-8K.txt": 8 * 1024, "r-1M.txt": 1024 * 1024, "t-8K.txt": 8 * 1024, "t-1M.txt": 1024 * 1024}
STABLE = {"s-1K.bin": 1024, "s-64K.bin": 64 * 1024, "s-1M.bin": 1024 * 1024, "s-64M.bin": 64 * 1024 * 1024}


def raise_nofile():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def version_bytes(version, size):
    return b"".join(b"%06d:%08x\n" % (version % 1000000, i) for i in range(size // LINE))


def write_json(path, figures):
    with open(path, "w") as f:
        json.dump(figures, f)


def request(path, method="GET", extra=""):
    return f"{method} /{path} HTTP/1.1\r\nHost: stress\r\n{extra}\r\n".encode()


class Reader:
    """Buffered HTTP/1.1 response reader over a blocking socket."""

    def __init__(self, sock):
        self.sock, self.buf = sock, bytearray()

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError
        self.buf += data

    def head(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        end = self.buf.index(b"\r\n\r\n")
        lines = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        del self.buf[: end + 4]
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers

    def body(self, length):
        """Up to length bytes; fewer when the server closes first."""
        try:
            while len(self.buf) < length:
                self._fill()
        except (EOFError, ConnectionError):
            pass  # a short body: the server closed (socket.timeout, a stalled one, goes up)
        out = bytes(self.buf[:length])
        del self.buf[:length]
        return out

    def response(self, head_only=False):
        status, headers = self.head()
        length = 0 if head_only else int(headers.get("content-length", "0"))
        return status, headers, length, self.body(length)


def connect(port, timeout=30):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def run_threads(count, target):
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# ---- make-root ---------------------------------------------------------------

def make_root(args):
    rng = random.Random(1)
    for name, size in STABLE.items():
        with open(os.path.join(args.root, name), "wb") as f:
            left = size
            while left:
                chunk = min(left, 1 << 20)
                f.write(rng.randbytes(chunk))
                left -= chunk
    for name, size in MUTABLE.items():
        with open(os.path.join(args.root, name), "wb") as f:
            f.write(version_bytes(0, size))


# ---- idle: many keep-alive connections that sit between requests ---------------

def idle(args):
    raise_nofile()
    sel = selectors.DefaultSelector()
    req = request("s-1K.bin")
    figures = {"target": args.count, "opened": 0, "open_errors": 0, "closed_by_server": 0, "max_open": 0,
               "checked": 0, "failures": []}
    socks = set()

    def open_one():
        try:
            s = connect(args.port, timeout=10)
            s.sendall(req)
            status, _, _, body = Reader(s).response()
            if status != 200 or len(body) != 1024:
                figures["failures"].append(f"idle: first request answered {status}, {len(body)} bytes")
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
            socks.add(s)
            figures["opened"] += 1
        except OSError as e:
            figures["open_errors"] += 1
            if figures["open_errors"] <= 3:
                print(f"serve-stress idle: open: {e}", file=sys.stderr)
            time.sleep(0.05)

    while len(socks) < args.count and time.time() < args.until:
        open_one()
    figures["seconds_to_open"] = round(time.time() - args.start, 1)
    figures["max_open"] = len(socks)
    # Open before the other loads start: tell the script, then hold them
    # until it closes our stdin (or --until).
    print("ready", len(socks), flush=True)
    sel.register(sys.stdin, selectors.EVENT_READ)
    held = True
    while held and time.time() < args.until:
        for key, _ in sel.select(1.0):
            if key.fileobj is sys.stdin:
                held = bool(sys.stdin.readline())
                continue
            # An idle connection that becomes readable was closed by the
            # server (it never sends unasked): count it and open another.
            sel.unregister(key.fileobj)
            socks.discard(key.fileobj)
            key.fileobj.close()
            figures["closed_by_server"] += 1
        while len(socks) < args.count and time.time() < args.until:
            open_one()
        figures["max_open"] = max(figures["max_open"], len(socks))
    sel.unregister(sys.stdin)
    # Still alive after the whole run: a sample asks for a file again.
    for s in list(socks)[: args.check]:
        sel.unregister(s)
        s.setblocking(True)
        s.settimeout(10)
        try:
            s.sendall(req)
            status, _, _, body = Reader(s).response()
            ok = status == 200 and body == open(os.path.join(args.root, "s-1K.bin"), "rb").read()
        except (OSError, EOFError) as e:
            ok, status = False, repr(e)
        figures["checked"] += 1
        if not ok:
            figures["failures"].append(f"idle: a kept-alive connection answered {status} at the end")
    for s in socks:
        s.close()
    figures["open_at_end"] = len(socks)
    write_json(args.out, figures)


# ---- slowloris: request heads that arrive one byte a second --------------------

def slowloris(args):
    sel = selectors.DefaultSelector()
    figures = {"connections": 0, "dropped_by_server": 0, "answered_408": 0, "longest_held_s": 0.0, "failures": []}
    head = b"GET /s-1K.bin HTTP/1.1\r\nHost: stress\r\nX-Slow: " + b"a" * 100000

    def open_one():
        try:
            s = connect(args.port, timeout=5)
        except OSError:
            return
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, {"sent": 0, "since": time.time(), "got": b""})
        figures["connections"] += 1

    for _ in range(args.count):
        open_one()
    next_tick = time.time()
    while time.time() < args.until:
        for key, _ in sel.select(max(0.0, min(next_tick, args.until) - time.time())):
            state = key.data
            try:
                data = key.fileobj.recv(4096)
            except OSError:
                data = b""
            state["got"] += data
            if not data:  # the server gave up on us: as it should, after --header-timeout
                held = time.time() - state["since"]
                figures["longest_held_s"] = max(figures["longest_held_s"], round(held, 1))
                figures["dropped_by_server"] += 1
                if state["got"].startswith(b"HTTP/1.1 408"):
                    figures["answered_408"] += 1
                if held > args.header_timeout + 5:
                    figures["failures"].append(f"slowloris: a connection was held {held:.1f} s")
                sel.unregister(key.fileobj)
                key.fileobj.close()
                open_one()
        if time.time() >= next_tick:
            next_tick += 1
            for key in list(sel.get_map().values()):
                state = key.data
                try:
                    key.fileobj.send(head[state["sent"]: state["sent"] + 1])
                    state["sent"] += 1
                except OSError:
                    pass  # reset: the read side reports it
    write_json(args.out, figures)


# ---- abort: clients that leave in the middle of a body -------------------------

def abort(args):
    figures = {"response_aborts": 0, "request_body_aborts": 0, "resets": 0, "failures": []}
    lock = threading.Lock()

    def worker(i):
        rng = random.Random(i)
        while time.time() < args.until:
            try:
                s = connect(args.port, timeout=10)
                if rng.random() < 0.75:
                    # Mid-response: read part of the 64 MiB file, then leave.
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
                    s.sendall(request("s-64M.bin"))
                    want, got = rng.randrange(0, 8 << 20), 0
                    while got < want:
                        data = s.recv(min(1 << 16, want - got) or 1)
                        if not data:
                            break
                        got += len(data)
                    key = "response_aborts"
                else:
                    # Mid-request: announce a body, send part of it, leave.
                    s.sendall(request("s-1K.bin", "POST", "Content-Length: 500000\r\n"))
                    s.sendall(b"x" * rng.randrange(0, 200000))
                    key = "request_body_aborts"
                reset = rng.random() < 0.5
                if reset:  # SO_LINGER 0: close sends a reset instead of a FIN
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                s.close()
                with lock:
                    figures[key] += 1
                    figures["resets"] += reset
            except OSError:
                pass
            time.sleep(0.05)  # a steady trickle; wrk is the main load

    run_threads(args.count, worker)
    write_json(args.out, figures)


# ---- garbage: invalid requests, alone and pipelined after valid ones -----------

GARBAGE = [
    b"\x00\x01\x02\xff" * 64,
    b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET /s-1K.bin HTTP/1.1\r\nno colon here\r\n\r\n",
    b"GET /s-1K.bin HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n",
    b"GET /s-1K.bin HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    b"GET /s-1K.bin HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
    b"POST /s-1K.bin HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n",
    b"GET /s-\x001K.bin HTTP/1.1\r\n\r\n",
    b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /s-1K.bin HTTP/1.1\r\nRange: bytes=9-3,x\r\n\r\n",
    b"\r\n\r\n\r\n\r\n",
    b"GET /s-1K.bin HTTP/1.1\r\nHost: x\r\n" + b"H: v\r\n" * 200 + b"\r\n",
]


def garbage(args):
    figures = {"connections": 0, "valid_answered": 0, "statuses": {}, "valid_5xx": 0, "failures": []}
    lock = threading.Lock()
    stable = {name: open(os.path.join(args.root, name), "rb").read() for name in ("s-1K.bin", "s-64K.bin")}

    def worker(i):
        rng = random.Random(100 + i)
        while time.time() < args.until:
            time.sleep(0.02)  # a steady trickle; wrk is the main load
            names = [rng.choice(list(stable)) for _ in range(rng.randrange(0, 10))]
            bad = rng.choice(GARBAGE + [rng.randbytes(rng.randrange(1, 3000))])
            try:
                s = connect(args.port, timeout=20)
                s.sendall(b"".join(request(n) for n in names) + bad)
                reader = Reader(s)
                for n in names:  # the valid requests before the garbage: answered in full, in order
                    status, _, _, body = reader.response()
                    with lock:
                        figures["valid_answered"] += 1
                        if status >= 500:
                            figures["valid_5xx"] += 1
                        if status != 200 or body != stable[n]:
                            figures["failures"].append(f"garbage: pipelined valid GET /{n} got {status}, "
                                                       f"{len(body)} bytes")
                if not bad.strip(b"\r\n"):
                    # Empty lines before a request line are ignored (RFC 9112
                    # 2.2): the connection must still take a request.
                    s.sendall(request("s-1K.bin"))
                    status, _, _, body = reader.response()
                    if status != 200 or body != stable["s-1K.bin"]:
                        with lock:
                            figures["failures"].append(f"garbage: GET after empty lines got {status}")
                    status = "kept alive"
                else:  # whatever the garbage earns (4xx, 505, 408 or a close)
                    try:
                        status, headers, _, _ = reader.response()
                        if headers.get("connection") == "close":
                            reader.body(1 << 30)  # then the server's close
                        else:  # a well-formed request refused (404, 400): the connection goes on
                            s.sendall(request("s-1K.bin"))
                            again, _, _, body = reader.response()
                            if again != 200 or body != stable["s-1K.bin"]:
                                with lock:
                                    figures["failures"].append(f"garbage: GET after a kept-alive {status} got {again}")
                            status = f"{status} kept alive"
                    except EOFError:
                        status = "closed"
                with lock:
                    figures["connections"] += 1
                    figures["statuses"][str(status)] = figures["statuses"].get(str(status), 0) + 1
                s.close()
            except socket.timeout:
                with lock:
                    figures["failures"].append(f"garbage: no answer or close within 20 s after {len(names)} "
                                               f"valid requests and {bad[:60]!r} ({len(bad)} bytes)")
            except OSError as e:
                with lock:
                    figures["statuses"][type(e).__name__] = figures["statuses"].get(type(e).__name__, 0) + 1
                time.sleep(0.01)
            except EOFError:
                with lock:
                    figures["failures"].append("garbage: closed before every valid request was answered")

    run_threads(args.count, worker)
    write_json(args.out, figures)


# ---- mutate: replace, truncate and regrow files while they are served ----------

def mutate(args):
    rng = random.Random(7)
    figures = {"renames": 0, "truncations": 0, "failures": []}
    version = 0
    while time.time() < args.until:
        version += 1
        name = rng.choice(list(MUTABLE))
        path = os.path.join(args.root, name)
        size = MUTABLE[name]
        if name.startswith("r-"):
            with open(path + ".new", "wb") as f:
                f.write(version_bytes(version, size))
            os.rename(path + ".new", path)
            figures["renames"] += 1
        else:
            # Shrink to a random line, then write the rest as a new version:
            # a reader can see old lines, then new ones, each at its offset.
            cut = rng.randrange(0, size // LINE) * LINE
            with open(path, "r+b") as f:
                os.ftruncate(f.fileno(), cut)
                time.sleep(rng.random() * 0.01)
                f.seek(cut)
                f.write(version_bytes(version, size)[cut:])
            figures["truncations"] += 1
        time.sleep(rng.random() * 0.02)
    write_json(args.out, figures)


LINE_RE = re.compile(rb"[0-9]{6}:([0-9a-f]{8})\n")


def zeroed_lines_in_place(body, offset):
    """lines_in_place, where any byte may also be zero.

    Truncating a file zeroes the rest of its last page in the page cache, and
    sendfile/splice lend those very pages to the socket: a response can carry
    the zeros of a truncation that happened after the bytes "left" (nginx
    serves the same). Only the in-place (t-) files see this; what is still
    caught is a line from another offset."""
    if len(body) % LINE:
        return False
    for n in range(0, len(body), LINE):
        line, want = body[n:n + LINE], b"000000:%08x\n" % ((offset + n) // LINE)
        for i, byte in enumerate(line):
            if byte and not (byte == want[i] or (i < 6 and 0x30 <= byte <= 0x39)):
                return False
    return True


TEMPLATE = version_bytes(0, max(MUTABLE.values()))  # the offset fields, computed once


def lines_in_place(body, offset=0):
    """Every 16-byte line sits at its own offset (any version).

    Column by column (body[k::16]) so that a 1 MiB body is a few C-speed
    comparisons, not 65,536 Python steps."""
    if len(body) % LINE or offset % LINE or offset + len(body) > len(TEMPLATE):
        return False
    want = TEMPLATE[offset:offset + len(body)]
    return (all(body[k::LINE].isdigit() for k in range(6)) and
            all(body[k::LINE] == want[k::LINE] for k in range(6, LINE)))


def misplaced(body, offset):
    """Where the first line out of place starts, and what is there."""
    for n in range(0, len(body), LINE):
        if not LINE_RE.fullmatch(body[n:n + LINE]) or int(body[n + 7:n + 15], 16) != (offset + n) // LINE:
            return f"{n}: {body[n:n + LINE]!r}"
    return f"{len(body)}: length not a multiple of {LINE}"


def one_version(body):
    """lines_in_place, and all lines of the same version."""
    return len(body) >= LINE and all(body[k::LINE].count(body[k]) == len(body) // LINE for k in range(6))


def readers(args):
    figures = {"responses": 0, "complete": 0, "short_then_closed": 0, "ranges": 0, "zeroed_by_truncation": 0, "statuses": {}, "failures": []}
    lock = threading.Lock()

    def fail(message):
        with lock:
            if len(figures["failures"]) < 20:
                figures["failures"].append(message)

    def worker(i):
        rng = random.Random(200 + i)
        s = reader = None
        while time.time() < args.until:
            name = rng.choice(list(MUTABLE))
            ranged = rng.random() < 0.3
            offset = rng.randrange(0, MUTABLE[name] // LINE) * LINE if ranged else 0
            extra = f"Range: bytes={offset}-\r\n" if ranged else ""
            try:
                if s is None:
                    s = connect(args.port, timeout=20)
                    reader = Reader(s)
                s.sendall(request(name, extra=extra))
                status, headers, length, body = reader.response()
            except socket.timeout:
                fail(f"readers: GET /{name}: no progress in 20 s")
                s.close()
                s = None
                continue
            except (OSError, EOFError):
                if s is not None:
                    s.close()
                s = None
                continue
            with lock:
                figures["responses"] += 1
                figures["statuses"][str(status)] = figures["statuses"].get(str(status), 0) + 1
            if status >= 500:
                fail(f"readers: GET /{name} ({extra.strip() or 'whole'}) answered {status}")
            if status == 206:
                offset = int(headers["content-range"].split()[1].split("-")[0])
                with lock:
                    figures["ranges"] += 1
            elif status == 200:
                offset = 0
            else:
                continue  # 416: a range past a file truncated a moment ago
            if lines_in_place(body, offset):
                pass
            elif name.startswith("t-") and zeroed_lines_in_place(body, offset):
                with lock:
                    figures["zeroed_by_truncation"] += 1
            else:
                fail(f"readers: GET /{name} at {offset}: {status}, {len(body)} of {length} bytes, "
                     f"not at their offset from byte {misplaced(body, offset)}")
            if len(body) < length:  # the file shrank under the transfer: the server must close
                s.close()
                s = None
                with lock:
                    figures["short_then_closed"] += 1
                if name.startswith("r-"):
                    fail(f"readers: GET /{name}: {len(body)} of {length} bytes of a file only ever renamed over")
                continue
            with lock:
                figures["complete"] += 1
            if name.startswith("r-") and status == 200 and not one_version(body):
                fail(f"readers: GET /{name}: a replaced file's body mixes versions")
        if s is not None:
            s.close()

    run_threads(args.count, worker)
    write_json(args.out, figures)


# ---- verify: after the load, every file is served byte for byte ---------------

def verify(args):
    figures = {"checked": 0, "failures": []}
    s = connect(args.port, timeout=30)
    reader = Reader(s)
    for name in list(STABLE) + list(MUTABLE):
        disk = open(os.path.join(args.root, name), "rb").read()
        for method, extra, want in (("GET", "", disk), ("HEAD", "", b""),
                                    ("GET", "Range: bytes=100-1099\r\n", disk[100:1100])):
            s.sendall(request(name, method, extra))
            status, headers, _, body = reader.response(head_only=method == "HEAD")
            figures["checked"] += 1
            expected = 206 if extra else 200
            if status != expected or body != want or (method == "HEAD" and int(headers["content-length"]) != len(disk)):
                figures["failures"].append(f"verify: {method} /{name} {extra.strip()}: {status}, {len(body)} bytes")
    s.close()
    write_json(args.out, figures)


# ---- report --------------------------------------------------------------------

def report(args):
    loads = {}
    for name in args.loads:
        path = os.path.join(args.dir, name + ".json")
        loads[name] = json.load(open(path)) if os.path.exists(path) else {"failures": [f"{name}: wrote no figures"]}
    server = json.load(open(os.path.join(args.dir, "server.json")))
    failures = [f for figures in loads.values() for f in figures.pop("failures")] + server.pop("failures")
    print("\n| load | figures |\n|---|---|")
    for name, figures in loads.items():
        print(f"| {name} | " + ", ".join(f"{k} {v}" for k, v in figures.items()) + " |")
    print("\n| check | before | after | result |\n|---|---:|---:|---|")
    for row in server["rows"]:
        print("| " + " | ".join(str(x) for x in row) + " |")
    verify = loads.get("verify", {})
    wrong = sum(f.startswith("verify") for f in failures)
    print(f"| GET, HEAD and a Range of every file, against the disk | - | {verify.get('checked', 0)} checks | "
          f"{'FAIL' if wrong or not verify.get('checked') else 'ok'} |")
    if failures:
        print(f"\nserve-stress: FAILED ({len(failures)}):")
        for f in failures[:40]:
            print("  " + f)
        sys.exit(1)
    print("\nserve-stress: passed")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["make-root", "idle", "slowloris", "abort", "garbage", "mutate", "readers",
                                    "verify", "report"])
    p.add_argument("--port", type=int)
    p.add_argument("--root")
    p.add_argument("--until", type=float, default=0)  # Unix time
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--check", type=int, default=100)
    p.add_argument("--header-timeout", type=float, default=10)
    p.add_argument("--out")
    p.add_argument("--dir")
    p.add_argument("--loads", nargs="*", default=[])
    args = p.parse_args()
    args.start = time.time()
    globals()[args.what.replace("-", "_")](args)


if __name__ == "__main__":
    main()
