#!/usr/bin/env bash
# Start Clinic Reads with the demo clinic on SQLite: http://127.0.0.1:8000 (PORT=... to change).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh requirements.txt
export FLASK_APP=wsgi
PORT="${PORT:-8000}"
HOST="${HOST:-127.0.0.1}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://$HOST:$PORT}"
VAR_DIR="${VAR_DIR:-$PWD/var}"
mkdir -p "$VAR_DIR"
# Every process (web workers, scheduler, worker) writes its metrics here; /metrics adds them up. Emptied at each
# start: the values are counters since this start.
export PROMETHEUS_MULTIPROC_DIR="$VAR_DIR/metrics"
rm -rf "$PROMETHEUS_MULTIPROC_DIR"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

flask db upgrade
flask demo load --origin "http://$HOST:$PORT" --origin "http://localhost:$PORT"
KEY_FILE="$VAR_DIR/demo-api-key"
if [ ! -s "$KEY_FILE" ]; then
  (umask 077; flask keys create demo --name "demo key (run.sh)" --scope content --scope subscribers --scope settings | tail -n 1 > "$KEY_FILE")
fi
EDITOR_FILE="$VAR_DIR/demo-editor-password"
if [ ! -s "$EDITOR_FILE" ]; then
  (umask 077; python -c "import secrets; print(secrets.token_urlsafe(12))" > "$EDITOR_FILE")
  flask editors create demo editor@clinic.example --role admin --name "Demo editor" --password-stdin < "$EDITOR_FILE" \
    || flask editors password editor@clinic.example --password-stdin < "$EDITOR_FILE"
fi

cat <<INFO

Clinic Reads is starting on $PUBLIC_BASE_URL
  health:        $PUBLIC_BASE_URL/healthz   readiness: $PUBLIC_BASE_URL/readyz   metrics: $PUBLIC_BASE_URL/metrics
  editors' API:  $PUBLIC_BASE_URL/api/v1/articles   (Authorization: Bearer <key>)
  demo API key:  $(cat "$KEY_FILE")
  admin pages:   $PUBLIC_BASE_URL/admin/   (editor@clinic.example / $(cat "$EDITOR_FILE"))
  try:           curl -H "Authorization: Bearer $(cat "$KEY_FILE")" "$PUBLIC_BASE_URL/api/v1/articles?limit=3"

INFO

# The scheduler (the clock), the Celery worker (feed polls, refits, digests) and the related worker run in their
# own processes beside the web workers (never inside them); all stop when run.sh exits. The worker's broker is a
# folder under var/ unless CELERY_BROKER_URL names Redis or RabbitMQ.
flask jobs run &
SCHEDULER_PID=$!
# The Celery worker gets a session of its own: a signal to run.sh's whole group (Ctrl-C, kill -- -PGID) would
# reach its pool's children too, and billiard's pool can hang at shutdown when they die before the main
# process stops them. Only stop_services below signals it, and it then stops its own children.
setsid flask worker --concurrency "${WORKER_CONCURRENCY:-2}" &
CELERY_PID=$!
# The related worker updates the lists that writes queued (the scheduler's drain_related job is its fallback).
flask related work &
WORKER_PID=$!
# gunicorn.conf.py: no access log of gunicorn's own; the app logs one line per request with its request id and
# never a query string (sign-up choices, search words, tokens) nor the referrer; see docs/operations.md.
gunicorn --bind "$HOST:$PORT" --workers "${WEB_WORKERS:-2}" wsgi:app &
WEB_PID=$!
stop_services() {
  kill -TERM "$WEB_PID" "$SCHEDULER_PID" "$CELERY_PID" "$WORKER_PID" 2>/dev/null || true
  wait "$WEB_PID" "$SCHEDULER_PID" "$CELERY_PID" "$WORKER_PID" 2>/dev/null || true
}
trap stop_services EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
wait "$WEB_PID"
