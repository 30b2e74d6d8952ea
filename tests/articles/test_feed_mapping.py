"""entry_to_draft on hand-made entries: odd shapes must never raise."""

import time
from datetime import UTC, datetime

import feedparser.util
import pytest

from articles.feeds import ArticleDraft, Rejected, entry_to_draft
from articles.feeds.mapping import TITLE_MAX

FETCHED_AT = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
BASE = "https://clinic.example/feeds/main.xml"


def to_draft(entry):
    return entry_to_draft(entry, base_url=BASE, fetched_at=FETCHED_AT)


def test_minimal_entry():
    draft = to_draft({"title": "Hi", "link": "a/b"})
    assert draft == ArticleDraft(
        url="https://clinic.example/feeds/a/b",
        guid="https://clinic.example/feeds/a/b",
        title="Hi",
        summary=None,
        body_html="",
        author=None,
        image_url=None,
        tags=(),
        published_at=FETCHED_AT,
        updated_at=FETCHED_AT,
        source="feed",
    )


@pytest.mark.parametrize(
    "link, reason",
    [
        ("javascript:alert(1)", "unsupported link scheme 'javascript'"),
        ("JavaScript:alert(1)", "unsupported link scheme 'javascript'"),
        ("mailto:doc@clinic.example", "unsupported link scheme 'mailto'"),
        ("data:text/html,<script>x</script>", "unsupported link scheme 'data'"),
        ("ftp://clinic.example/x", "unsupported link scheme 'ftp'"),
        ("", "missing link"),
        (None, "missing link"),
        (42, "missing link"),
    ],
)
def test_unusable_links_are_rejected(link, reason):
    result = to_draft({"title": "T", "link": link, "id": "g1"})
    assert isinstance(result, Rejected)
    assert result.reason == reason
    assert result.guid == "g1"


def test_id_that_is_a_url_serves_as_link():
    draft = to_draft({"title": "T", "id": "https://clinic.example/p/1"})
    assert draft.url == draft.guid == "https://clinic.example/p/1"


def test_alternate_link_used_when_link_missing():
    draft = to_draft(
        {"title": "T", "links": [{"rel": "enclosure", "href": "x.mp3"}, {"rel": "alternate", "href": "/p"}]}
    )
    assert draft.url == "https://clinic.example/p"


@pytest.mark.parametrize(
    "entry",
    [
        {"title": None, "link": "https://x.example/", "tags": None, "content": None, "links": None},
        {
            "title": ["x"],
            "link": "https://x.example/",
            "tags": ["a", None, {"term": None}],
            "content": [None, {"value": 3}],
        },
        {"title": "T", "link": "https://x.example/", "published_parsed": (2026, 13, 45, 0, 0, 0, 0, 0, 0)},
        {
            "title": "T",
            "link": "https://x.example/",
            "published_parsed": "yesterday",
            "media_thumbnail": [{"url": None}],
        },
        {"title": "T", "link": "https://x.example/", "author_detail": "x", "authors": [None, {"name": 5}]},
        {"title": "T", "link": "https://x.example/", "summary": "<p>unclosed <b>tags <img src=javascript:x>"},
        {"title": "T", "link": "http://[::1"},
    ],
)
def test_odd_shapes_never_raise(entry):
    result = to_draft(entry)
    assert isinstance(result, (ArticleDraft, Rejected))


def test_title_is_cleaned_and_capped():
    long_title = "<b>Word</b>&nbsp;" + " ".join(["pneumonoultramicroscopic"] * 40)
    draft = to_draft({"title": long_title, "link": "https://x.example/"})
    assert len(draft.title) <= TITLE_MAX
    assert draft.title.endswith("…")
    assert draft.title.startswith("Word\xa0pneumono") or draft.title.startswith("Word pneumono")
    assert "<" not in draft.title


def test_missing_title_and_text_is_rejected():
    result = to_draft({"link": "https://x.example/p", "id": "p"})
    assert result == Rejected(reason="missing title", guid="p", link="https://x.example/p")


def test_html_content_preferred_over_plain_and_summary():
    draft = to_draft(
        {
            "title": "T",
            "link": "https://x.example/",
            "summary": "short",
            "content": [{"type": "text/plain", "value": "plain"}, {"type": "text/html", "value": "<p>rich</p>"}],
        }
    )
    assert draft.body_html == "<p>rich</p>"
    assert draft.summary == "short"


def test_dates_from_struct_time_are_utc():
    published = time.strptime("2026-03-04 05:06:07", "%Y-%m-%d %H:%M:%S")
    draft = to_draft({"title": "T", "link": "https://x.example/", "published_parsed": published})
    assert draft.published_at == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert draft.updated_at == draft.published_at


def test_feedparser_dict_without_updated_emits_no_deprecation_warning():
    # FeedParserDict["updated_parsed"] falls back to published with a
    # DeprecationWarning; the mapping reads keys with dict.get, so none fires
    # (pytest turns warnings into errors).
    entry = feedparser.util.FeedParserDict(
        title="T", link="https://x.example/", published_parsed=time.gmtime(0), published="Thu, 01 Jan 1970"
    )
    draft = to_draft(entry)
    assert draft.published_at == draft.updated_at == datetime(1970, 1, 1, tzinfo=UTC)


def test_image_must_be_http():
    draft = to_draft(
        {
            "title": "T",
            "link": "https://x.example/",
            "media_thumbnail": [{"url": "javascript:alert(1)"}],
            "content": [{"type": "text/html", "value": '<img src="data:image/png;base64,AAA"><img src="/ok.png">'}],
        }
    )
    # first <img> only; a data: URL is not usable, so no image rather than a guess
    assert draft.image_url is None


def test_naive_fetched_at_raises():
    with pytest.raises(ValueError):
        entry_to_draft({"title": "T", "link": "https://x.example/"}, base_url=BASE, fetched_at=datetime(2026, 1, 1))


@pytest.mark.parametrize(
    "pixel",
    [
        '<img src="https://counter.example/p.gif" width="1" height="1" alt="">',
        '<img src="https://counter.example/p.gif" style="width: 1px; height: 1px; border: 0">',
        '<IMG SRC="https://counter.example/p.gif" WIDTH=0 HEIGHT=0>',
        '<img src="http://feeds.feedburner.com/~r/Clinic/~4/abc">',
        '<img src="https://pixel.wp.com/b.gif?blog=1&amp;post=2" alt="">',
        '<img src="https://medium.com/_/stat?event=post.clientViewed&amp;postId=1">',
    ],
)
def test_tracking_pixels_leave_the_body_and_are_never_the_image(pixel):
    body = f'<p>Text</p>{pixel}<p><img src="https://clinic.example/photo.jpg" width="1" height="400"></p>'
    draft = to_draft({"title": "T", "link": "a", "content": [{"type": "text/html", "value": body}]})
    assert draft.body_html == '<p>Text</p><p><img src="https://clinic.example/photo.jpg" width="1" height="400"></p>'
    assert draft.image_url == "https://clinic.example/photo.jpg"


def test_double_escaped_entities_decode_once_and_text_entities_stay_text():
    draft = to_draft(
        {
            "title": "It&#8217;s AT&amp;T &amp; you",
            "title_detail": {"type": "text/plain"},
            "link": "a",
            "summary": "<p>Caf&amp;eacute; &amp;lt;b&amp;gt; talk</p>",
            "content": [{"type": "text/html", "value": "<p>Don&amp;#8217;t &amp;amp; &amp;notanentity;</p>"}],
        }
    )
    assert draft.title == "It’s AT&T & you"
    assert draft.summary == "Café <b> talk"
    assert draft.body_html == "<p>Don&#8217;t &amp; &amp;notanentity;</p>"


def test_feedburner_original_link_and_medium_feed_marker():
    proxied = {"title": "T", "link": "http://feedproxy.google.com/~r/C/~3/x/", "feedburner_origlink": "/post/1/"}
    assert to_draft(proxied).url == "https://clinic.example/post/1/"
    marked = {"title": "T", "link": "https://medium.com/@c/post-1?source=rss-ab12------2&lang=en"}
    assert to_draft(marked).url == "https://medium.com/@c/post-1?lang=en"
