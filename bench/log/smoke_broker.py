#!/usr/bin/env python3
"""CTest smoke test of zc-log-perf against a real broker process: a few hundred
records produced, consumed and sent end to end, so the generator's JetStream
driver and its Kafka driver against zc log serve cannot rot.

    smoke_broker.py jetstream PERF NATS_SERVER
    smoke_broker.py zc PERF ZC

Exit 77 (CTest: skipped) when the broker is not there: no nats-server, a
zc-log-perf built without libnats, or a zc without `log serve`.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(process, port, stderr_path):
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"broker exited ({process.returncode}): {open(stderr_path).read()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("broker not listening after 15 s")


def run_perf(perf, args):
    run = subprocess.run([perf, *args, "--json", "--timeout", "60"], capture_output=True, text=True, timeout=120)
    print(run.stdout.strip(), run.stderr.strip(), sep="\n")
    result = json.loads(run.stdout.strip().splitlines()[-1]) if run.stdout.strip() else {}
    if run.returncode != 0 or not result.get("ok") or result.get("records") != 300:
        sys.exit(f"zc-log-perf {' '.join(args)} failed")


def main():
    kind, perf, broker_binary = sys.argv[1:4]
    if not os.access(broker_binary, os.X_OK):
        print(f"skipped: no {broker_binary}")
        return SKIP
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="zc-log-perf-smoke-") as directory:
        if kind == "jetstream":
            probe = subprocess.run([perf, "produce", "--jetstream", "--brokers", "nats://127.0.0.1:1", "--records", "1",
                                    "--timeout", "1"], capture_output=True, text=True)
            if "without libnats" in probe.stderr:
                print("skipped: zc-log-perf built without libnats")
                return SKIP
            argv = [broker_binary, "-js", "-sd", directory, "-a", "127.0.0.1", "-p", str(port)]
            target = ["--jetstream", "--brokers", f"nats://127.0.0.1:{port}"]
        else:
            help_text = subprocess.run([broker_binary, "log", "serve", "--help"], capture_output=True, text=True)
            if help_text.returncode != 0 or "--listen" not in help_text.stdout:
                print("skipped: this zc has no `log serve`")
                return SKIP
            argv = [broker_binary, "log", "serve", "--dir", os.path.join(directory, "log"),
                    "--listen", f"127.0.0.1:{port}"]
            target = ["--brokers", f"127.0.0.1:{port}"]
        stderr_path = os.path.join(directory, "broker.stderr")
        with open(stderr_path, "w") as err:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err, start_new_session=True)
        try:
            wait_listening(process, port, stderr_path)
            common = ["--topic", "smoke", "--records", "300", "--record-size", "100"]
            run_perf(perf, ["produce", *target, *common])
            run_perf(perf, ["consume", *target, *common])
            run_perf(perf, ["e2e", *target, "--topic", "smoke-e2e", "--records", "300", "--rate", "2000"])
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
