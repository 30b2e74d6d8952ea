"""Article HTML: sanitised once when stored (nh3), and turned into plain text for search and summaries."""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "dd",
    "del",
    "details",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
#: opening and closing tags of the elements that separate words ("<li>a</li><li>b</li>" reads "a b")
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|ul|ol|li|dl|dd|dt|h[1-6]|tr|blockquote|pre|figcaption|br)\b[^>]*>",
    re.IGNORECASE,
)
#: elements whose content is never shown as text
_HIDDEN = {"script", "style", "iframe", "noscript", "template"}


def sanitize_html(raw: str) -> str:
    """Keep safe formatting; drop scripts, styles, iframes, event handlers and javascript: URLs."""
    return nh3.clean(
        raw or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(markup: str | None) -> str:
    """Visible text of an HTML fragment: entities decoded, whitespace collapsed.

    Scripts, styles and other hidden content are dropped; block elements separate words, inline ones
    do not ("dia<em>betes</em>" reads "diabetes"). Markup is parsed as a browser parses it (nh3's HTML5
    parser), so a broken fragment from a feed reads as a browser would show it.
    """
    if not markup:
        return ""
    if "<" not in markup and "&" not in markup:
        return _collapse(markup)
    spaced = _BLOCK_TAG.sub(r" \g<0> ", markup)
    try:
        text = nh3.clean(spaced, tags=set(), clean_content_tags=_HIDDEN)
    except UnicodeEncodeError:  # a lone surrogate (JSON feeds may hold one) cannot cross into nh3: "?" instead
        text = nh3.clean(spaced.encode("utf-8", "replace").decode("utf-8"), tags=set(), clean_content_tags=_HIDDEN)
    return _collapse(html.unescape(text))


def _collapse(text: str) -> str:
    """Runs of whitespace as one space, none at the ends (``str.split`` and ``re``'s ``\\s`` agree on what
    whitespace is; splitting is several times faster than a substitution on long texts)."""
    return " ".join(text.split())


def summarize(text: str, limit: int = 240) -> str:
    """The first sentences of ``text`` that fit in ``limit`` characters, cut at a word otherwise."""
    head = _collapse(text[: limit * 4])
    # only the first ``limit`` characters of the collapsed text matter: collapse a long text's head only
    text = head if len(head) > limit + 1 else _collapse(text)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    sentence_end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if sentence_end > limit // 2:
        return cut[: sentence_end + 1]
    return cut.rsplit(" ", 1)[0].rstrip(",;:") + "…"
