"""Feed import, the database-independent part: fetch → parse → map.

from articles.feeds import fetch_feed, parse_feed

fetched = fetch_feed(url, etag=..., last_modified=...)
if fetched.status == "ok":
    parsed = parse_feed(fetched.content, base_url=fetched.final_url,
                        content_type=fetched.content_type, fetched_at=now_utc)
    for item in parsed.entries:   # ArticleDraft | Rejected
        ...
"""

from .fetch import DEFAULT_USER_AGENT, FetchResult, fetch_feed
from .mapping import ArticleDraft, EntryResult, Rejected, entry_to_draft
from .parse import ParsedFeed, parse_feed

__all__ = [
    "DEFAULT_USER_AGENT",
    "ArticleDraft",
    "EntryResult",
    "FetchResult",
    "ParsedFeed",
    "Rejected",
    "entry_to_draft",
    "fetch_feed",
    "parse_feed",
]
