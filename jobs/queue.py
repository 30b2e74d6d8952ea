"""The Celery app built from the Flask app's settings, and enqueueing tasks by name.

Flask's own pattern for background work: ``celery_init_app`` makes a Celery app whose tasks run inside the
Flask app's context and keeps it in ``app.extensions["celery"]``. Tasks are sent by name (``enqueue``), so the
scheduler and the CLI never import the worker's task module.

The broker is ``CELERY_BROKER_URL``: Redis or RabbitMQ for workers on several machines, by default kombu's
filesystem transport in ``<VAR_DIR>/broker`` (one machine, no server; the evidence for that choice is in
docs/architecture.md). Tasks are acknowledged after they ran (``acks_late``), one at a time per worker process
(prefetch 1), so on Redis a task whose worker was killed is given to another worker after the visibility
timeout. Every task's effects are idempotent (the digest ledger, the related queue, feed claims), so a task
run twice changes nothing more.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from celery import Celery, Task
from flask import Flask, current_app

#: the task names, shared by the senders and ``jobs.worker_tasks``
RUN_JOB = "clinicreads.run_job"
SEND_DIGEST_BATCH = "clinicreads.send_digest_batch"
TASK_MODULE = "jobs.worker_tasks"


def filesystem_folder(broker_url: str) -> str | None:
    """The folder of a ``filesystem://<folder>`` broker URL, else None."""
    parts = urlsplit(broker_url)
    if parts.scheme != "filesystem":
        return None
    return (parts.netloc + parts.path) or None


def broker_options(config: Any) -> tuple[str, dict[str, Any]]:
    """The kombu URL and transport options for the app's ``CELERY_BROKER_URL``."""
    url = config["CELERY_BROKER_URL"]
    folder = filesystem_folder(url)
    if folder is not None:
        return "filesystem://", {"data_folder_in": folder, "data_folder_out": folder, "control_folder": folder}
    timeout = int(config["CELERY_VISIBILITY_TIMEOUT"])
    # Redis looks for tasks of dead workers every interval × throttle seconds: keep that well below the timeout.
    return url, {"visibility_timeout": timeout, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}


def celery_init_app(app: Flask) -> Celery:
    """Make the app's Celery app (``app.extensions["celery"]``); tasks run inside ``app``'s context."""

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    url, options = broker_options(app.config)
    folder = filesystem_folder(app.config["CELERY_BROKER_URL"])
    if folder is not None:
        Path(folder).mkdir(parents=True, exist_ok=True)
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=url,
        broker_transport_options=options,
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_enable_remote_control=False,
        task_serializer="json",
        accept_content=["json"],
        imports=[TASK_MODULE],
    )

    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def enqueue(name: str, **kwargs: Any) -> None:
    """Send the task ``name`` with ``kwargs`` to the app's broker (returns once the broker has it)."""
    celery_app: Celery = current_app.extensions["celery"]
    celery_app.send_task(name, kwargs=kwargs)
