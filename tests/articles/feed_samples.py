"""Small RSS documents for the feed import tests."""

from __future__ import annotations

from html import escape
from typing import Any


def item(n: int, **overrides: Any) -> dict[str, Any]:
    """An entry with distinct wording per ``n`` (so related lists have something to work with)."""
    words = ["flu vaccine", "back pain", "sleep hygiene", "blood pressure", "knee surgery", "healthy diet"]
    topic = words[n % len(words)]
    values = {
        "guid": f"urn:clinic:{n}",
        "link": f"https://news.example/articles/{n}",
        "title": f"Article {n} about {topic}",
        "description": f"<p>Everything about {topic}: causes, treatment and prevention ({n}).</p>",
        "pubDate": "Mon, 02 Nov 2026 09:00:00 GMT",
        "categories": [topic.split()[0]],
    }
    values.update(overrides)
    return values


def rss(items: list[dict[str, Any]], title: str = "Clinic news") -> bytes:
    parts = []
    for entry in items:
        fields = [f"<title>{escape(entry['title'])}</title>"] if entry.get("title") is not None else []
        if entry.get("link") is not None:
            fields.append(f"<link>{escape(entry['link'])}</link>")
        if entry.get("guid") is not None:
            fields.append(f'<guid isPermaLink="false">{escape(entry["guid"])}</guid>')
        if entry.get("description") is not None:
            fields.append(f"<description>{escape(entry['description'])}</description>")
        if entry.get("pubDate"):
            fields.append(f"<pubDate>{entry['pubDate']}</pubDate>")
        fields += [f"<category>{escape(c)}</category>" for c in entry.get("categories", [])]
        parts.append("<item>" + "".join(fields) + "</item>")
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>https://news.example/</link>{''.join(parts)}</channel></rss>"
    ).encode()
