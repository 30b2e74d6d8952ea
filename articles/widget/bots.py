"""Known robots by User-Agent: link checkers, crawlers, previews and scripts follow links but are not readers."""

from __future__ import annotations

import re

#: words that appear in the User-Agent of crawlers, link-preview fetchers, scanners and HTTP libraries
_ROBOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|scanner|preview|facebookexternalhit|embedly|headlesschrome|lighthouse|"
    r"curl/|wget/|python-requests|python-urllib|httpx|aiohttp|go-http-client|java/|okhttp|libwww|"
    r"feedfetcher|validator|monitor|pingdom|uptime|safelinks|proofpoint|mimecast|barracuda",
    re.IGNORECASE,
)


def is_robot(user_agent: str | None) -> bool:
    """True for an empty User-Agent or one that names a known robot (browsers always send one)."""
    return not (user_agent or "").strip() or _ROBOT.search(user_agent or "") is not None
