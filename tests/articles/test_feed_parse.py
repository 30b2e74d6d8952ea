"""parse_feed on small inline RSS 2.0, Atom, RDF and JSON Feed documents."""

import json
from datetime import UTC, datetime, timezone

import pytest

from articles.feeds import ArticleDraft, ParsedFeed, Rejected, parse_feed

FETCHED_AT = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
BASE = "https://clinic.example/feeds/main.xml"


def parse(content: bytes, *, content_type: str | None = "application/xml", base_url: str = BASE) -> ParsedFeed:
    return parse_feed(content, base_url=base_url, content_type=content_type, fetched_at=FETCHED_AT)


def drafts(parsed: ParsedFeed) -> list[ArticleDraft]:
    return [e for e in parsed.entries if isinstance(e, ArticleDraft)]


RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Riverside Clinic &amp; Partners</title>
  <link>https://clinic.example/</link>
  <item>
    <title>Caf&#233; &amp;amp; caffeine: &lt;b&gt;how much&lt;/b&gt;   is   too much?</title>
    <link>/articles/caffeine</link>
    <guid isPermaLink="false">caffeine-2026</guid>
    <description>Short &lt;em&gt;answer&lt;/em&gt;: less than you think.</description>
    <content:encoded><![CDATA[<p>Most adults <img src="/img/cup.png" alt="cup">
      can have 400 mg.</p>]]></content:encoded>
    <dc:creator>Dr. Ana Ruiz</dc:creator>
    <category>Nutrition</category>
    <category> nutrition </category>
    <category>Heart health</category>
    <pubDate>Tue, 10 Nov 2026 09:30:00 -0500</pubDate>
  </item>
  <item>
    <title>Thumbnail item</title>
    <link>https://clinic.example/articles/thumb</link>
    <media:thumbnail url="thumbs/t.jpg" width="75" height="50"/>
    <enclosure url="https://cdn.example/big.jpg" type="image/jpeg" length="1000"/>
  </item>
  <item>
    <title>Enclosure item</title>
    <link>https://clinic.example/articles/enclosure</link>
    <enclosure url="https://cdn.example/talk.mp3" type="audio/mpeg" length="1000"/>
    <enclosure url="/media/photo.png" type="image/png" length="1000"/>
  </item>
  <item>
    <title>Media content item</title>
    <link>https://clinic.example/articles/media</link>
    <media:content url="https://cdn.example/clip.mp4" type="video/mp4"/>
    <media:content url="https://cdn.example/still.webp" medium="image"/>
  </item>
  <item>
    <title>Bad link</title>
    <link>javascript:alert(document.cookie)</link>
  </item>
  <item>
    <title>No link at all</title>
    <description>Nothing to point to.</description>
  </item>
  <item>
    <link>https://clinic.example/articles/untitled</link>
    <description>Washing hands for twenty seconds removes most germs from your skin,
      says the CDC in new guidance published this week.</description>
  </item>
  <item>
    <link>https://clinic.example/articles/empty</link>
  </item>
</channel>
</rss>"""


def test_rss20_full_item():
    parsed = parse(RSS, content_type="application/rss+xml; charset=utf-8")
    assert parsed.error is None and parsed.warning is None
    assert parsed.title == "Riverside Clinic & Partners"
    first = parsed.entries[0]
    assert isinstance(first, ArticleDraft)
    assert first.url == "https://clinic.example/articles/caffeine"  # relative link resolved
    assert first.guid == "caffeine-2026"
    assert first.title == "Café & caffeine: how much is too much?"
    assert first.summary == "Short answer: less than you think."
    assert "400 mg" in first.body_html and "<p>" in first.body_html
    assert first.author == "Dr. Ana Ruiz"
    assert first.image_url == "https://clinic.example/img/cup.png"  # first <img> in the body
    assert first.categories == ("Nutrition", "Heart health")  # deduped, stripped
    assert first.published_at == datetime(2026, 11, 10, 14, 30, tzinfo=UTC)
    assert first.published_at.tzinfo is UTC
    assert first.updated_at == first.published_at
    assert first.source == "feed"


def test_rss20_images():
    by_title = {d.title: d for d in drafts(parse(RSS))}
    # media:thumbnail wins over an image enclosure; relative URL resolved against the feed
    assert by_title["Thumbnail item"].image_url == "https://clinic.example/feeds/thumbs/t.jpg"
    # only enclosures of an image type count
    assert by_title["Enclosure item"].image_url == "https://clinic.example/media/photo.png"
    assert by_title["Media content item"].image_url == "https://cdn.example/still.webp"


def test_rss20_rejections_and_derived_title():
    parsed = parse(RSS)
    rejected = [e for e in parsed.entries if isinstance(e, Rejected)]
    reasons = sorted(r.reason for r in rejected)
    assert reasons == ["missing link", "missing title", "unsupported link scheme 'javascript'"]
    js = next(r for r in rejected if "javascript" in r.reason)
    assert js.link.startswith("javascript:")
    derived = next(d for d in drafts(parsed) if d.url.endswith("/untitled"))
    assert derived.title.startswith("Washing hands for twenty seconds")
    assert derived.title.endswith("…") and len(derived.title) <= 80


def test_missing_dates_fall_back_to_fetched_at():
    thumb = next(d for d in drafts(parse(RSS)) if d.title == "Thumbnail item")
    assert thumb.published_at == FETCHED_AT
    assert thumb.updated_at == FETCHED_AT


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://clinic.example/blog/">
  <title type="html">Clinic &lt;i&gt;Blog&lt;/i&gt;</title>
  <id>urn:uuid:feed</id>
  <updated>2026-11-20T10:00:00Z</updated>
  <entry>
    <title type="text">Sleep &amp; stress</title>
    <link rel="alternate" href="posts/sleep"/>
    <link rel="enclosure" type="image/jpeg" href="/img/sleep.jpg"/>
    <id>tag:clinic.example,2026:sleep</id>
    <published>2026-11-19T23:30:00+09:00</published>
    <updated>2026-11-20T08:15:00-08:00</updated>
    <author><name>Nurse Kim</name></author>
    <category term="sleep"/>
    <category term="mental-health" label="Mental health"/>
    <summary type="html">&lt;p&gt;Why stress keeps you up.&lt;/p&gt;</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Body text</p></div></content>
  </entry>
  <entry>
    <title>Only updated</title>
    <link href="https://other.example/x"/>
    <id>x</id>
    <updated>2026-11-18T12:00:00+01:00</updated>
  </entry>
</feed>"""


def test_atom():
    parsed = parse(ATOM, content_type="application/atom+xml")
    assert parsed.error is None
    assert parsed.title == "Clinic Blog"
    sleep, only_updated = parsed.entries
    assert sleep.url == "https://clinic.example/blog/posts/sleep"  # xml:base applied
    assert sleep.guid == "tag:clinic.example,2026:sleep"
    assert sleep.title == "Sleep & stress"
    assert sleep.author == "Nurse Kim"
    assert sleep.categories == ("sleep", "mental-health")
    assert sleep.summary == "Why stress keeps you up."
    assert "Body text" in sleep.body_html
    assert sleep.image_url == "https://clinic.example/img/sleep.jpg"
    assert sleep.published_at == datetime(2026, 11, 19, 14, 30, tzinfo=UTC)
    assert sleep.updated_at == datetime(2026, 11, 20, 16, 15, tzinfo=UTC)
    # no <published>: the updated date stands in for both
    assert only_updated.published_at == only_updated.updated_at == datetime(2026, 11, 18, 11, 0, tzinfo=UTC)


RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://clinic.example/rdf">
    <title>RDF clinic</title>
    <link>https://clinic.example/</link>
    <description>d</description>
  </channel>
  <item rdf:about="https://clinic.example/rdf/1">
    <title>Allergy season</title>
    <link>https://clinic.example/rdf/1</link>
    <description>Pollen counts rise.</description>
    <dc:date>2026-04-01T08:00:00+02:00</dc:date>
    <dc:subject>Allergies</dc:subject>
    <dc:creator>Dr. Lee</dc:creator>
  </item>
</rdf:RDF>"""


def test_rdf():
    parsed = parse(RDF, content_type="application/rdf+xml")
    assert parsed.error is None
    assert parsed.title == "RDF clinic"
    (item,) = parsed.entries
    assert item.url == "https://clinic.example/rdf/1"
    assert item.title == "Allergy season"
    assert item.summary == "Pollen counts rise."
    assert item.body_html == "Pollen counts rise."
    assert item.author == "Dr. Lee"
    assert item.categories == ("Allergies",)
    assert item.published_at == datetime(2026, 4, 1, 6, 0, tzinfo=UTC)


def json_feed(**overrides) -> bytes:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Clinic JSON",
        "home_page_url": "https://clinic.example/",
        "items": [
            {
                "id": "j1",
                "url": "/articles/j1",
                "title": "Vitamin D &amp; you",
                "content_html": "<p>Sun <img src='/img/sun.jpg'> exposure.</p>",
                "summary": "About vitamin D.",
                "date_published": "2026-02-01T10:00:00+05:30",
                "date_modified": "2026-02-02T00:00:00Z",
                "authors": [{"name": "Dr. Patel"}],
                "tags": ["Vitamins", "vitamins", " Sun "],
            },
            {
                "id": 2,
                "url": "https://clinic.example/articles/j2",
                "title": "Plain text",
                "content_text": "Line one & <two>.\n\nSecond paragraph.",
                "image": "https://cdn.example/j2.png",
                "author": {"name": "Old-style author"},
            },
            {"id": "j3", "title": "No url", "content_text": "x"},
            {"id": "j4", "url": "javascript:void(0)", "title": "JS"},
            "not an object",
        ],
    }
    doc.update(overrides)
    return json.dumps(doc).encode()


def test_json_feed():
    parsed = parse(json_feed(), content_type="application/feed+json")
    assert parsed.error is None
    assert parsed.title == "Clinic JSON"
    j1, j2, j3, j4, bad = parsed.entries
    assert j1.url == "https://clinic.example/articles/j1"
    assert j1.guid == "j1"
    assert j1.title == "Vitamin D & you"
    assert j1.summary == "About vitamin D."
    assert j1.author == "Dr. Patel"
    assert j1.categories == ("Vitamins", "Sun")
    assert j1.image_url == "https://clinic.example/img/sun.jpg"
    assert j1.published_at == datetime(2026, 2, 1, 4, 30, tzinfo=UTC)
    assert j1.updated_at == datetime(2026, 2, 2, tzinfo=UTC)
    assert j2.guid == "2"
    assert j2.body_html == "<p>Line one &amp; &lt;two&gt;.</p><p>Second paragraph.</p>"
    assert j2.image_url == "https://cdn.example/j2.png"
    assert j2.author == "Old-style author"
    assert j2.published_at == FETCHED_AT
    assert j3 == Rejected(reason="missing link", guid="j3", link=None)
    assert j4.reason == "unsupported link scheme 'javascript'"
    assert bad.reason == "JSON Feed item is not an object"


def test_json_feed_version_1_without_content_type():
    parsed = parse(json_feed(version="https://jsonfeed.org/version/1"), content_type=None)
    assert parsed.error is None and len(drafts(parsed)) == 2


def test_json_that_is_not_a_feed():
    parsed = parse(b'{"hello": "world"}', content_type="application/json")
    assert parsed.error == "not a feed: got a JSON document that is not a JSON Feed"


def test_malformed_xml_with_entries_gives_warning():
    broken = b"""<rss version="2.0"><channel><title>T</title>
    <item><title>Good & bad</title><link>https://clinic.example/a</link></item>
    </channel>"""
    parsed = parse(broken)
    assert parsed.error is None
    assert parsed.warning
    assert [d.url for d in drafts(parsed)] == ["https://clinic.example/a"]


@pytest.mark.parametrize(
    "content, content_type, error",
    [
        (b"", None, "not a feed: the response was empty"),
        (b"<html><body>hello</body></html>", "text/html", "not a feed: got text/html page"),
        (b"<!doctype html><title>x</title><p>hi", None, "not a feed: got text/html page"),
        (b"<note><to>you</to></note>", "application/xml", "not a feed: no RSS, Atom or RDF document found"),
    ],
)
def test_unreadable_documents(content, content_type, error):
    parsed = parse(content, content_type=content_type)
    assert parsed.error == error
    assert parsed.entries == []


def test_broken_xml_without_entries_is_an_error():
    parsed = parse(b"<rss><channel><title>x</title><item><title>unterminated")
    assert parsed.entries == [] or parsed.error is None  # either recovered or reported
    if parsed.entries == []:
        assert parsed.error.startswith("unreadable feed:")


def test_rss_served_as_text_html_still_parses():
    parsed = parse(RSS, content_type="text/html")
    assert parsed.error is None and drafts(parsed)


def test_parse_never_opens_a_path(tmp_path):
    # feedparser.parse(bytes) would open() the bytes as a file path; parse_feed must not.
    secret = tmp_path / "secret.xml"
    secret.write_bytes(RSS)
    parsed = parse(str(secret).encode())
    assert parsed.entries == []
    assert parsed.error is not None


def test_parse_never_fetches_a_url(feed_server):
    feed_server.route("/feed.xml", body=RSS)
    parsed = parse(feed_server.url("/feed.xml").encode())
    assert parsed.entries == [] and parsed.error is not None
    assert feed_server.requests == []


def test_naive_fetched_at_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_feed(RSS, base_url=BASE, content_type=None, fetched_at=datetime(2026, 1, 1))


def test_fetched_at_in_other_zone_is_converted():
    from datetime import timedelta

    tz = timezone(timedelta(hours=-5))
    parsed = parse_feed(RSS, base_url=BASE, content_type=None, fetched_at=datetime(2026, 1, 1, 7, tzinfo=tz))
    thumb = next(d for d in drafts(parsed) if d.title == "Thumbnail item")
    assert thumb.published_at == datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert thumb.published_at.tzinfo is UTC


def test_entity_expansion_bomb_is_contained():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">' for i in range(1, 10)
    )
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss version="2.0"><channel>'
        "<item><title>&lol9;</title><link>https://x.example/</link></item></channel></rss>"
    ).encode()
    parsed = parse(doc)
    # defusedxml sees the entity declarations first: the feed is refused before any expansion
    assert parsed.error is not None and "entity" in parsed.error
    assert parsed.entries == []


@pytest.mark.parametrize(
    "document, error",
    [
        ({"version": "https://jsonfeed.org/version/1.1", "items": {"a": 1}}, "JSON Feed has no 'items' list"),
        ([1, 2], "not a feed: got a JSON document that is not a JSON Feed"),
        ("just a string", "not a feed: got a JSON document that is not a JSON Feed"),
    ],
)
def test_json_feed_bad_shapes(document, error):
    parsed = parse(json.dumps(document).encode(), content_type="application/feed+json")
    assert parsed.error == error and parsed.entries == []


def test_json_feed_odd_item_values_never_raise():
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": 5,
        "items": [
            {
                "id": True,
                "url": "https://x.example/a",
                "title": 7,
                "summary": "S",
                "date_published": "9999-12-31T23:59:59-01:00",  # past year 9999 in UTC
                "date_modified": "not a date",
                "tags": "a",
                "authors": "x",
                "attachments": [1, {"url": 5}],
                "content_html": None,
            }
        ],
    }
    parsed = parse(json.dumps(doc).encode(), content_type="application/feed+json")
    (draft,) = parsed.entries
    assert draft.title == "S" and draft.guid == "https://x.example/a"
    assert draft.published_at == FETCHED_AT and draft.tags == ()


@pytest.mark.parametrize(
    "xml_title, expected",
    [
        (b"a &lt; b", "a < b"),
        (b"Heart rate x&lt;60 and you", "Heart rate x<60 and you"),  # plain text: not parsed as a tag
        (b"&lt;b&gt;Bold&lt;/b&gt;   news", "Bold news"),  # escaped HTML: tags stripped
        (b"Tom &amp;amp; Jerry", "Tom & Jerry"),
        (b"<![CDATA[Flu &amp; <i>you</i>]]>", "Flu & you"),
    ],
)
def test_rss_title_text(xml_title, expected):
    doc = (
        b'<rss version="2.0"><channel><item><title>'
        + xml_title
        + b"</title><link>https://x.example/</link></item></channel></rss>"
    )
    (draft,) = parse(doc).entries
    assert draft.title == expected
