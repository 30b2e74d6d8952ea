"""gunicorn's settings for Clinic Reads, read from the project folder (``gunicorn wsgi:app``; ``-c`` names another).

Command-line flags win over these. The app writes one log line per request itself (with its request id and
never a query string), so gunicorn's own access log stays off. With ``PROMETHEUS_MULTIPROC_DIR`` set, a worker
that exits is marked dead so its live values stop counting.
"""

import os

# Sync workers: one request at a time each; about 2 per core serves this app well (docs/operations.md).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A request past this many seconds is killed and logged; no request does heavy work, 30 s is generous.
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
accesslog = None
errorlog = "-"


def child_exit(server, worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
