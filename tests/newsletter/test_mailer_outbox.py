"""OutboxBackend and make_backend (no network)."""

from __future__ import annotations

import email
import email.policy
import re

import pytest

from newsletter.mail import OutboxBackend, SmtpBackend, make_backend
from tests.newsletter.mail_fixtures import digest_message


def test_outbox_writes_parseable_eml_files(tmp_path):
    folder = tmp_path / "outbox"  # created on first send
    messages = [digest_message(to=f"r{i}@example.com") for i in range(3)]
    with OutboxBackend(folder) as backend:
        results = backend.send_many(messages)
    assert all(r.ok and not r.permanent for r in results)
    files = sorted(folder.iterdir())
    assert len(files) == 3
    assert all(re.fullmatch(r"\d{8}T\d{12}Z-[0-9a-f]{12}\.eml", f.name) for f in files)
    ids = set()
    for f in files:
        parsed = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        assert parsed.get_content_type() == "multipart/alternative"
        assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "Gentle stretches" in parsed.get_body(("html",)).get_content()
        ids.add(parsed["Message-ID"])
    assert ids == {r.message_id for r in results}


def test_outbox_leaves_no_temp_file_when_writing_fails(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("newsletter.mail.outbox.os.replace", boom)
    with pytest.raises(OSError):
        OutboxBackend(tmp_path).send(digest_message())
    assert list(tmp_path.iterdir()) == []


def test_make_backend_defaults_to_outbox(tmp_path):
    backend = make_backend({"MAIL_OUTBOX_DIR": str(tmp_path)})
    assert isinstance(backend, OutboxBackend) and backend.folder == tmp_path


def test_make_backend_smtp_defaults():
    """Settings left out take the documented defaults, the same as app.config's (SMTP_SECURITY=none)."""
    backend = make_backend(
        {"MAIL_BACKEND": "SMTP", "SMTP_HOST": "mail.example.org", "SMTP_USERNAME": "u", "SMTP_PASSWORD": "p"}
    )
    assert isinstance(backend, SmtpBackend)
    assert (backend.port, backend.security, backend.max_retries) == (25, "none", 3)
    assert not backend.is_open  # building a backend does no I/O
    assert make_backend({"MAIL_BACKEND": "smtp", "SMTP_HOST": "h", "SMTP_SECURITY": "starttls"}).port == 587
    assert make_backend({"MAIL_BACKEND": "smtp", "SMTP_HOST": "h", "SMTP_SECURITY": "tls"}).port == 465


@pytest.mark.parametrize(
    "settings",
    [
        {"MAIL_BACKEND": "carrier-pigeon"},
        {"MAIL_BACKEND": "smtp", "SMTP_HOST": ""},  # no host (left out, it is 127.0.0.1)
        {"MAIL_BACKEND": "smtp", "SMTP_HOST": "h", "SMTP_SECURITY": "ssl"},
        {"MAIL_BACKEND": "smtp", "SMTP_HOST": "h", "SMTP_PORT": "twenty-five"},
        {"MAIL_BACKEND": "smtp", "SMTP_HOST": "h", "SMTP_USERNAME": "u"},  # no password
        {"MAIL_BACKEND": "smtp", "SMTP_HOST": "h", "SMTP_RATE_LIMIT": "-1"},
    ],
)
def test_make_backend_rejects_bad_settings(settings):
    with pytest.raises(ValueError):
        make_backend(settings)
