#!/usr/bin/env bash
# Entry point of the Wuye image (deploy/Dockerfile). One image runs every
# process; the command picks which. See deploy/README.md.
#
#   migrate SERVICE [SERVICE ...] | migrate all
#                        apply Alembic migrations to {SERVICE}_DB_URL, exit
#   serve SERVICE        run one nameko service (archive tickets billing notify
#                        gateway); with WUYE_MIGRATE_ON_START=1 migrate it first
#   user ...             gateway accounts (python -m gateway.cli, see `user --help`)
#   dlq ...              dead letters and outbox (python -m kernel.dlq, see `dlq --help`)
#   healthcheck          Docker HEALTHCHECK: the gateway's /health, or for the
#                        other services an established broker connection
#   probe live|ready|http   the checks behind healthcheck (Kubernetes probes)
#   help                 this text
# Anything else that names a program on PATH is run as is (`bash`, `python ...`).
set -euo pipefail

# The source lives here; nameko configs are read relative to it.
APP_DIR=${WUYE_APP_DIR:-/app}
cd "$APP_DIR"

SERVICES="archive tickets billing notify gateway"

usage() {
  sed -n '4,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# The nameko target of a service (the same table as deploy/run.py SERVICES).
target_for() {
  case "$1" in
    archive) echo "services.archive.service:ArchiveService" ;;
    tickets) echo "services.tickets.service:TicketsService" ;;
    billing) echo "services.billing.service:BillingService" ;;
    notify)  echo "services.notify.service:NotifyService" ;;
    gateway) echo "gateway.service:GatewayService" ;;
    *) return 1 ;;
  esac
}

unknown_service() {
  echo "wuye: unknown service '$1' (one of: $SERVICES)" >&2
  exit 2
}

# Probes. PID 1 is the service (serve execs it); WUYE_PROBE_PID is for tests.
probe_live() {
  # The nameko process exists and is neither a zombie nor stopped. Liveness
  # deliberately ignores the broker and the database: restarting a pod does
  # not bring either back, and nameko reconnects by itself.
  python - "${WUYE_PROBE_PID:-1}" <<'PY'
import sys
pid = sys.argv[1]
try:
    cmdline = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
    stat = open(f"/proc/{pid}/stat").read()
except OSError as exc:
    sys.exit(f"probe live: no process {pid}: {exc}")
state = stat.rsplit(")", 1)[1].split()[0]
if not any(b"kernel.serve" in part or b"nameko" in part for part in cmdline):
    sys.exit(f"probe live: process {pid} is not a nameko service")
if state in ("Z", "T", "X"):
    sys.exit(f"probe live: process {pid} is in state {state}")
PY
}

probe_ready() {
  # An established TCP connection to the broker's port (from AMQP_URI) in
  # this container's network namespace: nameko's consumer is connected.
  python - <<'PY'
import os, sys
from urllib.parse import urlsplit
ports = set()
for uri in os.environ.get("AMQP_URI", "amqp://127.0.0.1:5672//").split(";"):
    try:
        parts = urlsplit(uri.strip())
        ports.add(parts.port or (5671 if parts.scheme == "amqps" else 5672))
    except ValueError:
        ports.update((5671, 5672))
ESTABLISHED = "01"
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        rows = open(table).read().splitlines()[1:]
    except OSError:
        continue
    for row in rows:
        fields = row.split()
        if len(fields) > 3 and fields[3] == ESTABLISHED and int(fields[2].rsplit(":", 1)[1], 16) in ports:
            sys.exit(0)
sys.exit(f"probe ready: no established connection to the broker (port {', '.join(map(str, sorted(ports)))})")
PY
}

probe_http() {
  # The gateway's /health: 200 when the broker and every service answer.
  # No curl in python:slim, so urllib. Port from GATEWAY_ADDRESS (default 8000).
  python - <<'PY'
import os, sys, urllib.request, urllib.error
port = os.environ.get("GATEWAY_ADDRESS", "0.0.0.0:8000").rsplit(":", 1)[-1] or "8000"
url = f"http://127.0.0.1:{port}/health"   # default: http://127.0.0.1:8000/health
try:
    with urllib.request.urlopen(url, timeout=float(os.environ.get("WUYE_PROBE_TIMEOUT", 5))) as response:
        sys.exit(0 if response.status == 200 else 1)
except urllib.error.HTTPError as exc:
    sys.exit(f"probe http: {url} answered {exc.code}")
except Exception as exc:
    sys.exit(f"probe http: {url} failed: {exc}")
PY
}

cmd=${1:-help}
[ $# -gt 0 ] && shift

case "$cmd" in
  migrate)
    [ $# -ge 1 ] || { echo "wuye: usage: migrate SERVICE [SERVICE ...] | migrate all" >&2; exit 2; }
    if [ "$1" = all ]; then
      exec python -m deploy.migrate
    fi
    for service in "$@"; do
      target_for "$service" >/dev/null || unknown_service "$service"
    done
    exec python -m deploy.migrate "$@" ;;
  serve)
    [ $# -eq 1 ] || { echo "wuye: usage: serve SERVICE (one of: $SERVICES)" >&2; exit 2; }
    service=$1
    target=$(target_for "$service") || unknown_service "$service"
    config="deploy/config/$service.yaml"
    [ -f "$config" ] || { echo "wuye: no $config under $APP_DIR" >&2; exit 2; }
    # secrets first: in production a missing or weak one stops here, with the reason
    if [ "$service" = gateway ]; then
      python -m kernel.config check-secrets --gateway
    else
      python -m kernel.config check-secrets
    fi
    if [ "${WUYE_MIGRATE_ON_START:-0}" = 1 ]; then
      python -m deploy.migrate "$service"
    fi
    exec python -m kernel.serve --config "$config" "$target" ;;
  user)
    exec python -m gateway.cli "$@" ;;
  dlq)
    exec python -m kernel.dlq "$@" ;;
  healthcheck)
    if tr '\0' ' ' < "/proc/${WUYE_PROBE_PID:-1}/cmdline" | grep -q "gateway.service:GatewayService"; then
      probe_http
    else
      probe_live && probe_ready
    fi ;;
  probe)
    case "${1:-}" in
      live) probe_live ;;
      ready) probe_ready ;;
      http) probe_http ;;
      *) echo "wuye: usage: probe live|ready|http" >&2; exit 2 ;;
    esac ;;
  help|-h|--help)
    usage ;;
  *)
    if command -v "$cmd" >/dev/null 2>&1; then
      exec "$cmd" "$@"
    fi
    echo "wuye: unknown command '$cmd'" >&2
    usage >&2
    exit 2 ;;
esac
