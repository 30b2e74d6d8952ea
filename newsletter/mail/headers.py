"""The email policy of every message: list headers written as plain text.

The standard policy folds a header longer than a line by re-encoding it as RFC 2047 encoded words
(``=?utf-8?q?=3Chttps=3A//...?=``) when it finds no whitespace to break at, which a single long URL never
has. Mailbox providers read ``List-Unsubscribe`` as it is on the wire and ignore an encoded one, so
RFC 8058 one-click unsubscribe would silently fail. :class:`ListHeader` keeps such headers ASCII text,
folded only at the spaces after the commas between its ``<...>`` targets (RFC 2369), never inside one;
``List-Id`` gets the same treatment (its ``<id>`` is read as text too).
"""

from __future__ import annotations

from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.policy import EmailPolicy
from typing import Any

#: RFC 5322's hard limit on a line, CRLF excluded.
MAX_LINE = 998
#: headers that carry URLs or tokens a receiving program reads as plain text.
PLAIN_HEADERS = ("list-id", "list-unsubscribe", "list-unsubscribe-post")


class ListHeader(UnstructuredHeader, BaseHeader):
    """An unstructured header that is folded at spaces only and never RFC 2047-encoded.

    Its value must be printable ASCII (URLs are, once validated); anything else is a ``ValueError``
    when the header is set, so a message that cannot be sent as plain text is never built. (The registry
    adds ``BaseHeader`` as the last base of the class it makes; naming it here too keeps the types whole.)
    """

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        if any(not (" " <= ch <= "~") for ch in value):
            raise ValueError(f"{kwds.get('name', 'header')} must be printable ASCII")
        super().parse(value, kwds)
        kwds["decoded"] = value  # kept as written: encoded words in it are sent, not decoded and re-encoded

    def fold(self, *, policy: Any) -> str:
        """``Name: value`` on one line when it fits ``policy.max_line_length``; otherwise broken at spaces only
        (after the commas between targets), each continuation line starting with the space it broke at, so
        unfolding (removing CRLF) restores the original text. A URL is never split."""
        linesep = policy.linesep
        limit = policy.max_line_length or MAX_LINE
        words = str(self).split(" ")
        lines = [f"{self.name}: {words[0]}"]
        for word in words[1:]:
            if len(lines[-1]) + 1 + len(word) <= limit:
                lines[-1] += " " + word
            else:
                lines.append(" " + word)
        if any(len(line) > MAX_LINE for line in lines):
            raise ValueError(f"{self.name} has a part longer than a mail line")
        return linesep.join(lines) + linesep


def _registry() -> HeaderRegistry:
    registry = HeaderRegistry()
    for name in PLAIN_HEADERS:
        registry.map_to_type(name, ListHeader)
    return registry


#: The standard ``email.policy.default`` with :class:`ListHeader` for the list headers. Its clones (the
#: SMTP policy of the generator, for instance) share the registry.
MAIL_POLICY = EmailPolicy(header_factory=_registry())

__all__ = ["MAIL_POLICY", "ListHeader"]
