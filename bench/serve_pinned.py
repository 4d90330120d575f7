#!/usr/bin/env python3
"""Pinned zc serve against nginx, for bench/serve-vs-nginx --pinned.

Every server gets one worker on one core (the server core, CPU 0 by default)
and the load generator runs on another (the client core): requests/s is then
what one server core delivers, not how the scheduler shared two cores between
servers and client. Beside requests/s and latency, each run records the CPU
time the kernel charged to the server's processes (utime + stime of every
process, /proc/PID/stat fields 14 and 15, all threads included) from just
before to just after the client run, divided by the requests the client
completed: the server's CPU cost of one request, which the rest of the machine
disturbs far less than requests/s.

Servers, all started once and measured in turn, the order reversed every
round: zc serve (and --zc-baseline, a second zc binary, e.g. the previous
release), nginx with sendfile on, nginx with sendfile off and large output
buffers (nginx-best: the better of the two for each size), and a second,
identical nginx with sendfile on, whose ratio to the first is the noise floor
of the run. Only the standard library: Debian's python3 is enough.
"""
import argparse
import datetime
import hashlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
NGINX_SENDFILE = "nginx sendfile on"
NGINX_BUFFERED = "nginx sendfile off, output_buffers 2 1m"
NGINX_TWIN = "nginx sendfile on, second instance"
ZC, ZC_BASELINE = "zc serve", "zc serve baseline"
# wrk's --timeout: a 64 MiB response may take longer than wrk's default 2 s,
# which would count it as an error and leave it out of the latencies.
WRK_TIMEOUT = "30s"


def zc_names(names):
    """The zc servers compared with nginx: "zc serve", or one per --backends entry."""
    return [n for n in names if n.startswith(ZC) and n != ZC_BASELINE]


def warn(text):
    print(f"serve-vs-nginx --pinned: {text}", file=sys.stderr, flush=True)


def size_bytes(name):
    match = re.fullmatch(r"(\d+)([KMG]?)", name.upper())
    if not match:
        raise SystemExit(f"serve-vs-nginx: bad size {name!r} (e.g. 1K, 64K, 1M, 64M)")
    return int(match[1]) << {"": 0, "K": 10, "M": 20, "G": 30}[match[2]]


def free_port(taken=set()):
    """A loopback port free now and not handed out before in this run."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            taken.add(port)
            return port
    raise SystemExit("serve-vs-nginx: no free loopback port")


def process_ticks(pid):
    """utime + stime of one process (all its threads, live and exited), in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15; fields[0] is field 3


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass  # gone meanwhile
    return found


def core_busy_ticks(cpu):
    """Busy ticks of one core (None: all) from /proc/stat: all but idle and iowait, softirq included."""
    prefix = "cpu " if cpu is None else f"cpu{cpu} "
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith(prefix):
                values = [int(v) for v in line.split()[1:9]]
                return sum(values) - values[3] - values[4]
    return 0


class Server:
    def __init__(self, name, argv, port, workdir):
        self.name, self.argv, self.port = name, argv, port
        self.stderr_path = os.path.join(workdir, re.sub(r"\W+", "-", name) + ".stderr")
        self.process = None

    def start(self):
        with open(self.stderr_path, "w") as err:
            # Its own session, so stop() reaches the master and its workers by one group id.
            self.process = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                            start_new_session=True)

    def wait_ready(self, seconds=10):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"serve-vs-nginx: {self.name} does not listen on {self.port}:\n{self.stderr()}")

    def check_alive(self):
        if self.process.poll() is not None:
            raise SystemExit(f"serve-vs-nginx: {self.name} exited ({self.process.returncode}):\n{self.stderr()}")

    def stderr(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()[-4000:]

    def pids(self):
        return [self.process.pid] + children(self.process.pid)

    def cpu_ticks(self):
        total = 0
        for pid in self.pids():
            try:
                total += process_ticks(pid)
            except OSError:
                pass  # a worker that exited between listing and reading
        return total

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def nginx_conf(prefix, www, port, sendfile, cpu):
    affinity = f"worker_cpu_affinity {1 << cpu:b};" if cpu is not None else ""
    body = "sendfile on;\n  tcp_nopush on;" if sendfile else "sendfile off;\n  output_buffers 2 1m;"
    os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
    temp = "\n".join(f"  {kind}_temp_path {prefix}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = f"""worker_processes 1;
{affinity}
worker_rlimit_nofile 65536;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 20000; }}
http {{
  access_log off;
  {body}
  tcp_nodelay on;
  open_file_cache max=1000 inactive=60s;
  keepalive_timeout 60s;
  keepalive_requests 1000000;
{temp}
  types {{ application/octet-stream bin; }}
  server {{
    listen 127.0.0.1:{port};
    root {www};
  }}
}}
"""
    path = os.path.join(prefix, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path


def verify(server, files):
    """Every file comes back whole and unchanged, so no configuration serves errors fast."""
    for name, digest in files.items():
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("GET", f"/{name}")
        response = conn.getresponse()
        body = response.read()
        conn.close()
        if response.status != 200 or hashlib.sha256(body).hexdigest() != digest:
            raise SystemExit(f"serve-vs-nginx: {server.name} answered /{name} with {response.status}, "
                             f"{len(body)} bytes, not the file:\n{server.stderr()}")


def micros(text):
    for unit, factor in (("us", 1), ("ms", 1e3), ("s", 1e6)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def byte_count(text):  # wrk's "4.14GB": powers of 1024
    match = re.fullmatch(r"([\d.]+)([KMGT]?)B", text)
    return int(float(match[1]) * 1024 ** " KMGT".index(match[2] or " ")) if match else None


def parse_wrk(out):
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+), (\S+) read", out)
    if not done:
        raise ValueError("no request count")
    percentile = lambda p: micros(re.search(rf"^\s+{p}%\s+(\S+)", out, re.M)[1])
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"requests": int(done[1]), "seconds": micros(done[2] + done[3]) / 1e6, "bytes_read": byte_count(done[4]),
            "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
            "p50_us": percentile(50), "p99_us": percentile(99),
            "errors": (int(non_2xx[1]) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)}


def parse_h2load(out):
    finished = re.search(r"finished in ([\d.]+)(\w+), ([\d.]+) req/s", out)
    counts = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout", out)
    if not finished or not counts:
        raise ValueError("no request count")
    mean = re.search(r"time for request:\s+\S+\s+\S+\s+(\S+)", out)
    traffic = re.search(r"traffic: \S+ \((\d+)\) total", out)
    return {"requests": int(counts[4]), "seconds": micros(finished[1] + finished[2]) / 1e6,
            "bytes_read": int(traffic[1]) if traffic else None,
            "requests_per_s": float(finished[3]), "p50_us": None, "p99_us": None,
            "mean_us": micros(mean[1]) if mean else None,
            "errors": int(counts[5]) + int(counts[6]) + int(counts[7])}


def client_argv(args, url):
    pin = ["taskset", "-c", str(args.client_cpu)] if args.client_cpu is not None else []
    if args.client == "h2load":
        return pin + ["h2load", "--h1", "-t1", f"-c{args.connections}", "-D", str(args.seconds), url]
    return pin + ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", WRK_TIMEOUT, "--latency", url]


def measure(args, server, size, round_number, position):
    url = f"http://127.0.0.1:{server.port}/{size}.bin"
    cores = (args.server_cpu, args.client_cpu)
    ticks_before, cores_before, started = server.cpu_ticks(), [core_busy_ticks(c) for c in cores], time.monotonic()
    try:
        run = subprocess.run(client_argv(args, url), capture_output=True, text=True, timeout=args.seconds + 60)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"serve-vs-nginx: {args.client} against {server.name} {size} did not finish "
                         f"within {args.seconds + 60} s")
    elapsed, ticks_after, cores_after = time.monotonic() - started, server.cpu_ticks(), [core_busy_ticks(c) for c in cores]
    server.check_alive()
    try:
        sample = (parse_h2load if args.client == "h2load" else parse_wrk)(run.stdout)
    except (ValueError, TypeError) as e:
        raise SystemExit(f"serve-vs-nginx: cannot read {args.client}'s output for {server.name} {size} ({e}):\n"
                         f"{run.stdout}{run.stderr}")
    cpu_s = (ticks_after - ticks_before) / CLK_TCK
    sample.update({"round": round_number, "position": position, "server": server.name, "size": size,
                   "wall_s": round(elapsed, 3), "cpu_ticks": ticks_after - ticks_before, "cpu_s": cpu_s,
                   "cpu_us_per_request": cpu_s * 1e6 / sample["requests"] if sample["requests"] else None,
                   # Unlike requests, the bytes include the responses still under way at
                   # the end, whose CPU time is in cpu_s too: per MiB is unbiased for 64M.
                   "cpu_us_per_mib": cpu_s * 1e6 * 2**20 / sample["bytes_read"] if sample["bytes_read"] else None,
                   "bytes_per_s": sample["bytes_read"] / sample["seconds"] if sample["bytes_read"] and sample["seconds"] else None,
                   "server_busy": cpu_s / elapsed,  # 1.0: the server had its core to itself and used all of it
                   "server_core_busy_s": (cores_after[0] - cores_before[0]) / CLK_TCK,
                   "client_core_busy_s": (cores_after[1] - cores_before[1]) / CLK_TCK})
    if sample["requests"] < args.connections:
        warn(f"{server.name} {size}: {sample['requests']} requests, fewer than the {args.connections} connections: "
             "its figures are coarse (a longer --duration helps)")
    if sample["errors"]:
        warn(f"{server.name} {size}: {sample['errors']} errors reported by {args.client}")
    return sample


def median(samples, key):
    values = [s[key] for s in samples if s.get(key) is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt_ratio(value, bold=False):
    if value is None:
        return "–"
    return f"**{value:.2f}**" if bold else f"{value:.2f}"


def fmt_time(us):
    if us is None:
        return "–"
    return f"{us:,.0f} µs" if us < 1000 else f"{us / 1000:,.2f} ms" if us < 1e6 else f"{us / 1e6:,.2f} s"


def summarize(samples, names, sizes):
    summary = {}
    for size in sizes:
        rows = {}
        for name in names:
            runs = [s for s in samples if s["server"] == name and s["size"] == size]
            rates = [s["requests_per_s"] for s in runs]
            rows[name] = {key: median(runs, key) for key in ("requests_per_s", "p50_us", "p99_us", "mean_us", "cpu_us_per_request", "cpu_us_per_mib", "bytes_per_s", "server_busy")}
            rows[name]["spread"] = (max(rates) - min(rates)) / statistics.median(rates) if len(rates) > 1 and statistics.median(rates) else None
        # Ties (no request completed at 64M in a short run) go to the one that sent more bytes.
        best = max((NGINX_SENDFILE, NGINX_BUFFERED), key=lambda n: (rows[n]["requests_per_s"], rows[n]["bytes_per_s"] or 0))
        vs = lambda a, b, key: ratio(rows[a][key], rows[b][key]) if a in rows and b in rows else None
        zcs = zc_names(names)
        summary[size] = {"servers": rows, "nginx_best": best, "ratios": {
            "zc_vs_nginx_best": {"requests_per_s": vs(zcs[0], best, "requests_per_s"), "cpu_us_per_request": vs(zcs[0], best, "cpu_us_per_request")},
            "each_zc_vs_nginx_best": {z: {"requests_per_s": vs(z, best, "requests_per_s"), "cpu_us_per_request": vs(z, best, "cpu_us_per_request"),
                                          "p99": vs(z, best, "p99_us")} for z in zcs},
            "zc_vs_baseline": {"requests_per_s": vs(zcs[0], ZC_BASELINE, "requests_per_s"), "cpu_us_per_request": vs(zcs[0], ZC_BASELINE, "cpu_us_per_request")},
            "noise_floor_nginx_twin_vs_nginx": {"requests_per_s": vs(NGINX_TWIN, NGINX_SENDFILE, "requests_per_s"),
                                                "cpu_us_per_request": vs(NGINX_TWIN, NGINX_SENDFILE, "cpu_us_per_request")}}}
    return summary


def print_tables(summary, names, args):
    baseline = ZC_BASELINE in names
    for size, entry in summary.items():
        rows, best = entry["servers"], entry["nginx_best"]
        print(f"\n### {size}\n")
        head = "| server | requests/s | spread | p50 | p99 | CPU µs/request | server busy | req/s ÷ nginx-best | CPU ÷ nginx-best |"
        rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        if baseline:
            head, rule = head + " req/s ÷ baseline | CPU ÷ baseline |", rule + "---:|---:|"
        print(head + "\n" + rule)
        for name in names:
            r = rows[name]
            label = f"{name} (nginx-best)" if name == best else name
            zc_row = name in zc_names(names)
            cpu = f"{r['cpu_us_per_request']:,.2f}" if r["cpu_us_per_request"] is not None else "–"
            spread = f"{r['spread'] * 100:.0f} %" if r["spread"] is not None else "–"
            p50 = fmt_time(r["p50_us"]) if r["p50_us"] is not None else f"mean {fmt_time(r['mean_us'])}"
            busy = f"{r['server_busy'] * 100:.0f} %" if r["server_busy"] is not None else "–"
            rate = r["requests_per_s"]
            cells = [label, f"{rate:,.0f}" if rate >= 100 else f"{rate:.2f}", spread, p50, fmt_time(r["p99_us"]), cpu, busy,
                     fmt_ratio(ratio(r["requests_per_s"], rows[best]["requests_per_s"]), zc_row),
                     fmt_ratio(ratio(r["cpu_us_per_request"], rows[best]["cpu_us_per_request"]), zc_row)]
            if baseline:
                cells += [fmt_ratio(ratio(r["requests_per_s"], rows[ZC_BASELINE]["requests_per_s"]), zc_row),
                          fmt_ratio(ratio(r["cpu_us_per_request"], rows[ZC_BASELINE]["cpu_us_per_request"]), zc_row)] if zc_row else ["", ""]
            print("| " + " | ".join(cells) + " |")
        for z in zc_names(names):
            if size_bytes(size) >= 1 << 20 and rows[z]["cpu_us_per_mib"] and rows[best]["cpu_us_per_mib"]:
                print(f"\nCPU per MiB received (the responses still under way at the end included): {z} "
                      f"{rows[z]['cpu_us_per_mib']:,.1f} µs, nginx-best {rows[best]['cpu_us_per_mib']:,.1f} µs, "
                      f"ratio {fmt_ratio(ratio(rows[z]['cpu_us_per_mib'], rows[best]['cpu_us_per_mib']))}.")
        floor = entry["ratios"]["noise_floor_nginx_twin_vs_nginx"]
        print(f"\nNoise floor ({NGINX_TWIN} ÷ the first): requests/s {fmt_ratio(floor['requests_per_s'])}, "
              f"CPU/request {fmt_ratio(floor['cpu_us_per_request'])}.")
    print("\n| file | zc | zc req/s ÷ nginx-best | zc CPU/request ÷ nginx-best | zc p99 ÷ nginx-best | nginx-best" +
          (" | zc ÷ baseline req/s | zc ÷ baseline CPU" if baseline else "") + " | noise floor req/s | noise floor CPU |")
    print("|---|---|---:|---:|---:|---|" + ("---:|---:|" if baseline else "") + "---:|---:|")
    for size, entry in summary.items():
      r = entry["ratios"]
      for z, mine in r["each_zc_vs_nginx_best"].items():
        cells = [size, z, fmt_ratio(mine["requests_per_s"], True), fmt_ratio(mine["cpu_us_per_request"], True),
                 fmt_ratio(mine["p99"]), entry["nginx_best"].replace("nginx ", "")]
        if baseline:
            cells += [fmt_ratio(r["zc_vs_baseline"]["requests_per_s"]), fmt_ratio(r["zc_vs_baseline"]["cpu_us_per_request"])]
        cells += [fmt_ratio(r["noise_floor_nginx_twin_vs_nginx"]["requests_per_s"]), fmt_ratio(r["noise_floor_nginx_twin_vs_nginx"]["cpu_us_per_request"])]
        print("| " + " | ".join(cells) + " |")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--zc", required=True)
    p.add_argument("--zc-baseline")
    p.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    p.add_argument("--sizes", default="1K,64K,1M,64M")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", default="5s", help="per client run, in seconds (5 or 5s)")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--client", choices=("wrk", "h2load"), default="wrk")
    p.add_argument("--json", help="write every raw sample and the medians here")
    p.add_argument("--serve-flags", default=os.environ.get("ZC_SERVE_FLAGS", ""))
    p.add_argument("--backends", default="",
                   help="zc serve once per backend in the same rounds, e.g. epoll,io-uring (--backend B each)")
    args = p.parse_args()
    if not re.fullmatch(r"\d+s?", args.duration):
        p.error(f"--duration {args.duration}: whole seconds, e.g. 5 or 5s")
    args.seconds = int(args.duration.rstrip("s"))
    args.sizes = [s.upper() for s in args.sizes.split(",") if s]
    if args.rounds < 1 or args.seconds < 1 or not args.sizes:
        p.error("--rounds and --duration must be at least 1, --sizes not empty")
    for binary in filter(None, (args.zc, args.zc_baseline, args.nginx)):
        if not os.access(binary, os.X_OK):
            p.error(f"{binary}: not an executable")
    allowed = sorted(os.sched_getaffinity(0))
    reason = ("taskset is missing" if not shutil.which("taskset")
              else f"only {len(allowed)} CPU available" if len(allowed) < 2 else None)
    if reason:
        warn(f"cannot pin ({reason}): running UNPINNED, servers and client share the CPUs; "
             "CPU per request still holds, requests/s is the scheduler's")
        args.server_cpu = args.client_cpu = None
    else:
        args.server_cpu, args.client_cpu = allowed[0], allowed[1]
    args.unpinned_reason = reason
    return args


def make_servers(args, workdir):
    www = os.path.join(workdir, "www")
    serve_pin = ["taskset", "-c", str(args.server_cpu)] if args.server_cpu is not None else []
    servers = []

    # nginx's open_file_cache trusts a stat for 60 s by default: zc the same,
    # unless --serve-flags says otherwise.
    same_trust_as_nginx = [] if "--open-file-cache-valid" in args.serve_flags else ["--open-file-cache-valid", "60"]

    def zc(name, binary, extra=()):
        port = free_port()
        servers.append(Server(name, serve_pin + [binary, "serve", "--listen", f"127.0.0.1:{port}", "--root", www,
                                                 "--workers", "1", "--keepalive-timeout", "60", "--max-connections", "20000"]
                              + same_trust_as_nginx
                              + args.serve_flags.split() + list(extra), port, workdir))

    def nginx(name, prefix, sendfile):
        port = free_port()
        conf = nginx_conf(os.path.join(workdir, prefix), www, port, sendfile, args.server_cpu)
        servers.append(Server(name, serve_pin + [args.nginx, "-p", os.path.join(workdir, prefix), "-c", conf, "-g", "daemon off;"],
                              port, workdir))

    # The twin sits at the other end of the order from its original, so the
    # noise floor also covers the position in the round.
    nginx(NGINX_SENDFILE, "nginx-sendfile", True)
    backends = [b for b in args.backends.split(",") if b]
    for backend in backends:
        zc(f"{ZC} {backend}", args.zc, ["--backend", backend])
    if not backends:
        zc(ZC, args.zc)
    nginx(NGINX_BUFFERED, "nginx-buffered", False)
    if args.zc_baseline:
        zc(ZC_BASELINE, args.zc_baseline)
    nginx(NGINX_TWIN, "nginx-twin", True)
    return servers


def make_files(args, workdir):
    www = os.path.join(workdir, "www")
    os.makedirs(www)
    os.chmod(www, 0o755)
    files = {}
    for size in args.sizes:
        data = os.urandom(size_bytes(size))
        with open(os.path.join(www, f"{size}.bin"), "wb") as f:
            f.write(data)  # and so into the page cache
        os.chmod(os.path.join(www, f"{size}.bin"), 0o644)
        files[f"{size}.bin"] = hashlib.sha256(data).hexdigest()
    return files


def nginx_version(binary):
    out = subprocess.run([binary, "-v"], capture_output=True, text=True).stderr
    return out.strip().rsplit("/", 1)[-1]


def run(args, workdir):
    files = make_files(args, workdir)
    servers = make_servers(args, workdir)
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
            verify(server, files)
        # The table lists zc first, whatever the measuring order.
        names = [s.name for s in servers if s.name.startswith(ZC)] + [s.name for s in servers if not s.name.startswith(ZC)]
        total = args.rounds * len(args.sizes) * len(servers)
        pinning = (f"servers on CPU {args.server_cpu} (one worker each), {args.client} on CPU {args.client_cpu}"
                   if args.unpinned_reason is None else f"NOT PINNED ({args.unpinned_reason})")
        client = (f"h2load --h1 -t1 -c{args.connections} -D {args.seconds}" if args.client == "h2load"
                  else f"wrk -t1 -c{args.connections} -d{args.seconds}s --timeout {WRK_TIMEOUT} --latency")
        print(f"## zc serve vs nginx {nginx_version(args.nginx)}, {pinning}; {client}; "
              f"{args.rounds} round(s), medians; {platform.release()}\n")
        print(f"{total} runs of {args.seconds} s, about {total * (args.seconds + 0.5) / 60:.1f} min.", flush=True)
        samples = []
        for round_number in range(1, args.rounds + 1):
            order = servers if round_number % 2 else servers[::-1]
            for size in args.sizes:
                for position, server in enumerate(order):
                    samples.append(measure(args, server, size, round_number, position))
        summary = summarize(samples, names, args.sizes)
        print_tables(summary, names, args)
        print("\nCPU µs/request: utime + stime of the server's processes over the run ÷ requests completed; "
              "server busy: that CPU time ÷ the run's wall time (below 100 %: the server waited for the client "
              "or its core was shared); spread: (max − min) ÷ median of requests/s over the rounds.")
        if args.json:
            meta = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                    "kernel": platform.release(), "nginx": nginx_version(args.nginx), "zc": args.zc,
                    "zc_baseline": args.zc_baseline, "serve_flags": args.serve_flags, "client": client,
                    "server_cpu": args.server_cpu, "client_cpu": args.client_cpu, "unpinned_reason": args.unpinned_reason,
                    "rounds": args.rounds, "seconds": args.seconds, "sizes": args.sizes, "clk_tck": CLK_TCK,
                    "servers": {s.name: s.argv for s in servers}}
            with open(args.json, "w") as f:
                json.dump({"meta": meta, "samples": samples, "summary": summary}, f, indent=1)
            print(f"\nRaw samples: {args.json}")
    finally:
        for server in servers:
            server.stop()


def main():
    args = parse_args()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda n, _: sys.exit(128 + n))  # unwinds through the cleanup below
    workdir = tempfile.mkdtemp(prefix="serve-pinned.", dir="/var/tmp")
    os.chmod(workdir, 0o755)  # nginx workers run as an unprivileged user
    try:
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
