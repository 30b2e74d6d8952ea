"""The list headers as they are written out: plain text, folded only between targets, never encoded."""

from __future__ import annotations

import email
import re
from email.policy import SMTP

import pytest

from newsletter.mail import build_message
from tests.newsletter.mail_fixtures import PREFS_URL, UNSUB_MAILTO, UNSUB_URL, branding, digest_items


def _head(msg) -> bytes:
    return msg.as_bytes(policy=SMTP).partition(b"\r\n\r\n")[0] + b"\r\n"


def _message(url: str = UNSUB_URL, mailto: str | None = UNSUB_MAILTO, **brand):
    context = {"items": digest_items(), "preferences_url": PREFS_URL}
    return build_message("digest", branding(**brand), "pat@example.com", context, url, mailto)


def test_a_list_unsubscribe_that_fits_stays_on_one_line() -> None:
    head = _head(_message(mailto=None))
    assert f"List-Unsubscribe: <{UNSUB_URL}>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n".encode() in head


def test_long_url_is_folded_only_between_targets() -> None:
    url = UNSUB_URL + "/" + "t" * 300
    head = _head(_message(url))
    assert f"List-Unsubscribe: <{url}>,\r\n <{UNSUB_MAILTO}>\r\n".encode() in head
    assert b"=?" not in head


def test_a_site_name_that_is_not_ascii_is_encoded_in_the_list_id_phrase_only() -> None:
    name = "Clínica Ribera " + "del Río " * 8
    head = _head(_message(site_name=name.strip()))
    list_id = re.search(rb"List-Id: (.*?)\r\n(?! )", head, flags=re.DOTALL)
    assert list_id
    assert list_id.group(1).endswith(b"\r\n <riverside.clinicreads.example.org>") or list_id.group(1).endswith(
        b" <riverside.clinicreads.example.org>"
    )
    assert all(len(word) <= 75 for word in re.findall(rb"=\?[^ ]+\?=", list_id.group(1)))
    assert head.isascii()
    parsed = email.message_from_bytes(head + b"\r\n", policy=email.policy.default)
    assert str(parsed["List-Id"]) == f"{name.strip()} <riverside.clinicreads.example.org>"


def test_a_list_header_that_is_not_ascii_is_refused() -> None:
    with pytest.raises(ValueError):
        _message(UNSUB_URL + "/é")
