"""Hypothesis strategies for hostile input: odd numbers, odd text, odd JSON, shaped per route."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from tests.conftest import article_payload

HOSTILE_TEXT = [
    "",
    " ",
    "²",
    "1_0",
    " 5",
    "٣",
    "５",
    "+5",
    "-1",
    "0",
    "0x10",
    "1e3",
    "NaN",
    str(2**31),
    str(2**63),
    str(2**64),
    "9" * 40,
    "\x00",
    "a\x00b",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    "2026-02-30T00:00:00Z",
    "true",
    "null",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "\ud7ff\ufffd\U0001f600",
    "x" * 5000,
    "https://clinic-a.example/articles/back-pain",
    "javascript:alert(1)",
    "clinic-a",
]

QUERY_NAMES = [
    "limit", "cursor", "url", "status", "tag", "category", "updated_since", "frequency", "interest", "q",
    "page", "source", "v", "subscriber", "preview", "next", "match", "active", "purge", "offset",
    "interval_minutes", "format",
]  # fmt: skip

BODY_FIELDS: dict[str, list[str]] = {
    "articles_api": list(article_payload()) + ["guid", "summary", "author", "image_url", "status", "updated_at"],
    "related_api": ["ids", "tag_a", "tag_b"],
    "feeds_api": ["url", "interval_minutes", "title", "paused"],
    "synonyms_api": ["phrase", "means"],
    "topics_api": ["name", "description", "labels", "match_terms", "active", "position"],
    "newsletter_api": ["email"],
    "digest_api": ["subscriber_id", "email"],
    "site_api": ["website_url", "medical_disclaimer", "privacy_url", "default_time_zone"],
    "reading": ["reading_history"],
    "newsletter_public": [
        "email",
        "topics",
        "interest_text",
        "frequency",
        "weekday",
        "hour",
        "time_zone",
        "weekly",
        "form",
        "source",
    ],  # fmt: skip
}

huge_ints = st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30, -(2**63) - 1])
ids = st.one_of(st.integers(1, 4), huge_ints)
hostile_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=20))
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10),
    huge_ints,
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=6,
)


def _valid(field: str) -> st.SearchStrategy[Any]:
    payload = article_payload()
    if field in payload:
        return st.just(payload[field])
    if field in ("ids",):
        return st.lists(ids, max_size=3)
    if field in ("subscriber_id", "position", "interval_minutes", "hour", "weekday"):
        return ids
    if field == "email":
        return st.just("reader@example.com")
    return st.nothing()


def body_for(endpoint: str) -> st.SearchStrategy[bytes]:
    """A JSON body shaped like the endpoint's (each field plausible or hostile), any JSON, or broken JSON."""
    fields = BODY_FIELDS.get(endpoint.split(".")[0], [])
    shaped = st.fixed_dictionaries({}, optional={f: st.one_of(_valid(f), json_values) for f in fields})
    if endpoint == "articles_api.bulk":
        shaped = st.fixed_dictionaries(
            {"items": st.lists(shaped, max_size=3)}, optional={"atomic": st.one_of(st.booleans(), json_values)}
        )
    encoded = st.one_of(shaped, json_values).map(lambda value: json.dumps(value).encode())
    broken = st.sampled_from([b"", b"{", b"[" * 5000 + b"]" * 5000, b"\xff\xfe", b'{"a": NaN}', b'"\\u0000"'])
    return st.one_of(encoded, encoded, encoded, broken)


def path_value(kind: str) -> st.SearchStrategy[str]:
    """One path segment, quoted: an id (small or huge) or text (the site's slug or hostile text)."""
    if kind == "int":
        return ids.filter(lambda i: i >= 0).map(str)
    return st.one_of(st.just("clinic-a"), st.just("clinic-b"), hostile_text.filter(bool)).map(
        lambda text: quote(text, safe="")
    )


queries = st.dictionaries(st.sampled_from(QUERY_NAMES), hostile_text, max_size=3)
