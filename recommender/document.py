"""The plain value the recommender indexes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    """One article as the recommender sees it.

    ``body`` is plain text: callers holding HTML convert it to text first.
    """

    id: int
    title: str
    summary: str = ""
    body: str = ""
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
