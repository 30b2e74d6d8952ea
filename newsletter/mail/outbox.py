"""OutboxBackend: each message becomes one .eml file in a folder (development, tests)."""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import SMTP as SMTP_POLICY
from email.policy import default as DEFAULT_POLICY
from email.utils import getaddresses
from pathlib import Path

from .base import Backend, SendResult, log, recipient_domain


class OutboxBackend(Backend):
    """Write each message to ``folder`` as ``<UTC time>-<random>.eml`` (atomically)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def send(self, msg: EmailMessage) -> SendResult:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        final = self.folder / f"{stamp}-{secrets.token_hex(6)}.eml"
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".eml.tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(msg.as_bytes(policy=SMTP_POLICY))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        message_id = msg.get("Message-ID")
        log.info(
            "mail written to outbox message_id=%s domain=%s file=%s", message_id, recipient_domain(msg), final.name
        )
        return SendResult(ok=True, message_id=message_id)


def delete_copies_to(folder: str | os.PathLike[str], address: str) -> int:
    """Delete every message in the outbox ``folder`` addressed to ``address`` (erasure: the outbox keeps a copy
    of each email sent, with the person's address and interests). Returns how many were deleted."""
    wanted = address.strip().lower()
    path = Path(folder)
    if not wanted or not path.is_dir():
        return 0
    parser = BytesHeaderParser(policy=DEFAULT_POLICY)
    deleted = 0
    for eml in path.glob("*.eml"):
        try:
            with eml.open("rb") as fh:
                headers = parser.parse(fh)
        except OSError:
            continue
        recipients = {addr.lower() for _, addr in getaddresses([str(v) for v in headers.get_all("To", [])])}
        if wanted in recipients:
            eml.unlink(missing_ok=True)
            deleted += 1
    if deleted:
        log.info("deleted %d outbox copies of mail to an erased address", deleted)
    return deleted
