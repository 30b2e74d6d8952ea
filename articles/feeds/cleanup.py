"""What feeds as platforms publish them carry that does not belong in an article.

* Tracking pixels: ``<img>`` elements 1×1 in size (by attribute or inline style) or served by a known
  tracker (FeedBurner's ``~r``/``~4`` links, WordPress.com stats, Medium's ``_/stat``), and FeedBurner's
  "feedflare" blocks of share links. Left in, a pixel is counted as a view each time a page shows the body,
  and it would be taken for the article's image.
* Double-escaped entities: ``&amp;#8217;`` arrives from many WordPress feeds (the title escaped twice) and
  shows as a literal "&#8217;" once the feed's own escaping is undone. One more level is decoded where what
  remains is an entity.
* WordPress's "The post … appeared first on …" line, which its Yoast and core feeds append to every
  summary and body.
"""

from __future__ import annotations

import html
import re
from html.entities import html5
from html.parser import HTMLParser

__all__ = ["clean_body", "clean_text", "decode_double_escaped"]

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_FEEDFLARE = re.compile(r"<div\b[^>]*class\s*=\s*[\"']?feedflare[\"']?[^>]*>.*?</div>", re.IGNORECASE | re.DOTALL)
_TRACKER_SRC = re.compile(
    r"^(?:https?:)?//(?:"
    r"feeds\.feedburner\.com/~r/|feedproxy\.google\.com/~r/|feeds\.feedblitz\.com/~/i/"
    r"|stats\.wordpress\.com/|pixel\.wp\.com/|medium\.com/_/stat"
    r")",
    re.IGNORECASE,
)
_ONE_PX = re.compile(r"^\s*[01](?:\.0*)?\s*(?:px)?\s*$", re.IGNORECASE)
_STYLE_SIZE = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*([^;]+)", re.IGNORECASE)
_DOUBLE_IN_HTML = re.compile(r"&amp;(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_ENTITY_IN_TEXT = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_WP_FOOTER_HTML = re.compile(
    r"<p>\s*The post\s+(?:(?!</p>).){0,600}?\s+appeared first on\s+(?:(?!</p>).){0,400}?</p>\s*$",
    re.IGNORECASE | re.DOTALL,
)
_WP_FOOTER_TEXT = re.compile(r"\s*The post\s+.{1,600}?\s+appeared first on\s+.{1,400}?\.?\s*$", re.DOTALL)


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs = {name.lower(): value or "" for name, value in attrs}

    handle_startendtag = handle_starttag


def _attributes(tag: str) -> dict[str, str]:
    parser = _Attributes()
    parser.feed(tag)
    parser.close()
    return parser.attrs


def is_tracking_pixel(tag: str) -> bool:
    """True for an ``<img ...>`` tag that is a 1×1 image or a known tracker's."""
    attrs = _attributes(tag)
    if _TRACKER_SRC.match(attrs.get("src", "").strip()):
        return True
    sizes = {"width": attrs.get("width", ""), "height": attrs.get("height", "")}
    for name, value in _STYLE_SIZE.findall(attrs.get("style", "")):
        sizes[name.lower()] = sizes[name.lower()] or value
    return all(value and _ONE_PX.match(value) for value in sizes.values())


def decode_double_escaped(value: str, *, markup: bool) -> str:
    """One more level of entities decoded: in HTML ``&amp;#8217;`` becomes ``&#8217;`` (the browser shows
    ’); in text, a remaining ``&#8217;`` becomes ’."""
    if markup:
        return _DOUBLE_IN_HTML.sub(lambda m: f"&{m.group(1)};" if _is_entity(m.group(1)) else m.group(0), value)
    return _ENTITY_IN_TEXT.sub(lambda m: html.unescape(m.group(0)) if _is_entity(m.group(1)) else m.group(0), value)


def _is_entity(name: str) -> bool:
    return name.startswith("#") or f"{name};" in html5


def clean_body(body_html: str) -> str:
    """The body without tracking pixels, feedflare, the WordPress footer line and double-escaped entities."""
    if not body_html:
        return body_html
    body = _FEEDFLARE.sub("", body_html)
    body = _IMG.sub(lambda m: "" if is_tracking_pixel(m.group(0)) else m.group(0), body)
    body = _WP_FOOTER_HTML.sub("", body.rstrip())
    return decode_double_escaped(body, markup=True).strip()


def clean_text(text: str | None) -> str | None:
    """A plain-text title or summary with double-escaped entities decoded and the WordPress footer dropped."""
    if not text:
        return text
    cleaned = _WP_FOOTER_TEXT.sub("", decode_double_escaped(text, markup=False)).strip()
    return cleaned or None
