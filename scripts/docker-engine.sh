#!/usr/bin/env bash
# Starts or stops a private Docker engine for the tests and benchmarks (Debian's docker.io as root: vfs storage, no bridge, no iptables; images are built locally).
#   scripts/docker-engine.sh start   -> prints "export DOCKER_HOST=unix://…" once the engine answers /_ping
#   scripts/docker-engine.sh stop
# The engine lives under $AIRBYTE_WRITE_ENGINE_DIR (default /tmp/airbyte-write-engine): vfs storage,
# no bridge, no iptables, so it runs on machines without systemd or network plumbing.
set -euo pipefail
dir="${AIRBYTE_WRITE_ENGINE_DIR:-/tmp/airbyte-write-engine}"
sock="$dir/docker.sock"

start() {
  if ! command -v dockerd >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "docker-engine: installing docker.io (dockerd is missing)" >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >&2
    else
      echo "docker-engine: dockerd is not installed and cannot be installed here (need root and apt-get)" >&2
      exit 1
    fi
  fi
  mkdir -p "$dir/root" "$dir/exec"
  if [ -S "$sock" ] && curl -fsS --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1; then
    echo "export DOCKER_HOST=unix://$sock"
    return
  fi
  rm -f "$sock" "$dir/pid"
  nohup dockerd --storage-driver=vfs --iptables=false --ip-masq=false --bridge=none \
    --data-root "$dir/root" --exec-root "$dir/exec" -H "unix://$sock" --pidfile "$dir/pid" \
    >"$dir/dockerd.log" 2>&1 &
  for _ in $(seq 1 150); do
    if curl -fsS --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1; then
      echo "export DOCKER_HOST=unix://$sock"
      return
    fi
    sleep 0.2
  done
  echo "docker-engine: dockerd did not answer on $sock within 30 s; its log:" >&2
  tail -n 30 "$dir/dockerd.log" >&2 || true
  exit 1
}

stop() {
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/pid"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
