#!/bin/sh
# CTest driver of examples/: runs EXAMPLE (its binary BINARY) on a file of
# random bytes whose size is no multiple of a page and checks that every copy
# is byte-exact. Servers listen on a free loopback port.
#     run_example_test.sh copy|file_server|epoll_sender BINARY
set -eu
example=$1 binary=$2
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
server=
head -c 3145851 /dev/urandom >"$work/source"
expected=$(sha256sum <"$work/source")

case $example in
copy)
  "$binary" "$work/source" "$work/copy"
  test "$(sha256sum <"$work/copy")" = "$expected"
  ;;
file_server|epoll_sender)
  clients=3
  # The redirections below happen in the background child, possibly after
  # the first look for the port: the files exist before it starts.
  : >"$work/server.out"
  : >"$work/server.err"
  "$binary" "$work/source" 0 $clients >"$work/server.out" 2>"$work/server.err" &
  server=$!
  port=
  for _ in $(seq 300); do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/server.out")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "no port from $example"; cat "$work/server.err"; exit 1; }
  # All clients connect at once: epoll_sender serves them together,
  # file_server one after the other.
  python3 - "$port" $clients "$work" <<'PY'
import socket, sys, threading
port, clients, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def fetch(i):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s, open(f"{work}/received.{i}", "wb") as out:
        while chunk := s.recv(1 << 16):
            out.write(chunk)
threads = [threading.Thread(target=fetch, args=(i,)) for i in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
PY
  wait $server
  server=
  for i in $(seq 0 $((clients - 1))); do
    test "$(sha256sum <"$work/received.$i")" = "$expected" || { echo "client $i: bytes differ"; exit 1; }
  done
  test "$(grep -c '^sent 3145851 bytes' "$work/server.out")" = $clients
  ;;
*) echo "unknown example $example"; exit 2 ;;
esac
echo "$example: byte-exact"
