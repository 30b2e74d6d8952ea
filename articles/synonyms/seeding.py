"""Synonyms an article carries itself: its "Also called" names (the form the demo loader and MedlinePlus use)."""

from __future__ import annotations

import re

_ALSO_CALLED = re.compile(r"^\s*also called:\s*(.+?)\s*$", re.IGNORECASE | re.DOTALL)


def also_called_names(summary: str | None) -> list[str]:
    """The names after "Also called:" in a summary ("Also called: Stomach flu, Gastric flu"), in order."""
    match = _ALSO_CALLED.match(summary or "")
    if not match:
        return []
    names = [name.strip() for name in match.group(1).split(",")]
    return list(dict.fromkeys(name for name in names if name))


def also_called_pairs(articles: list[tuple[str, str | None]]) -> list[tuple[str, str]]:
    """(name, title) for every "Also called" name of these (title, summary) pairs that is not itself a title.

    A name two articles share (ambiguous within the site) is left out, and so is one that equals another
    article's title: the title's own article is what that phrase means.
    """
    titles = {title.strip().lower() for title, _ in articles}
    spelled: dict[str, str] = {}
    meaning: dict[str, str | None] = {}
    for title, summary in articles:
        for name in also_called_names(summary):
            key = name.lower()
            if key in titles:
                continue
            spelled.setdefault(key, name)
            meaning[key] = None if key in meaning and meaning[key] != title else title
    return [(spelled[key], title) for key, title in meaning.items() if title is not None]
