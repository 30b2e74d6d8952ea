"""The server-rendered "You Might Also Enjoy" fragment and the /widget.js endpoint."""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from tests.articles.widget_corpus import load_corpus, post_article, url_of
from tests.conftest import REPO_ROOT, SiteWithKey

SCRIPT = REPO_ROOT / "articles" / "widget" / "static" / "widget.js"


class Tags(HTMLParser):
    """Start tags with their attributes, and the text, of a fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


@pytest.fixture
def corpus(client: FlaskClient, site_a: SiteWithKey) -> dict[str, int]:
    return load_corpus(client, site_a)


def fragment(client: FlaskClient, page_url: str, **params: str) -> object:
    return client.get("/widget/clinic-a/related", query_string={"url": page_url, **params})


def test_fragment_is_an_accessible_landmark_of_links(client: FlaskClient, corpus: dict[str, int]) -> None:
    response = fragment(client, url_of("knee-replacement") + "/?utm_campaign=x", limit="3")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = parse(response.get_data(as_text=True))
    section = page.all("section")[0]
    heading = page.all("h2")[0]
    assert section["aria-labelledby"] == heading["id"]
    assert page.text[page.text.index("You Might Also Enjoy")] == "You Might Also Enjoy"
    links = page.all("a")
    assert len(links) == 3 and len(page.all("li")) == 3
    assert all(str(link["href"]).startswith("https://clinic-a.example/articles/") for link in links)
    json_items = client.get(f"/api/v1/sites/clinic-a/related?url={url_of('knee-replacement')}&limit=3").get_json()
    assert [link["href"] for link in links] == [item["url"] for item in json_items["items"]]
    for item in json_items["items"]:
        assert item["title"] in page.text
    images = page.all("img")
    assert images and all(img["alt"] == "" and str(img["src"]).startswith("https://images.example/") for img in images)
    # an item without an image is text only: no letter tile or empty box beside it
    assert len(images) == len([item for item in json_items["items"] if item["image"]]) < 3
    assert not [attrs for attrs in page.all("span") if "cr-ph" in str(attrs.get("class"))]
    assert section["class"] == "cr-w"
    assert "--cr-accent" in response.get_data(as_text=True) and ":focus-visible" in response.get_data(as_text=True)


def test_fragment_without_images_is_a_compact_text_list(client: FlaskClient, site_a: SiteWithKey) -> None:
    for slug, title in [("sleep-a", "Sleep and Naps"), ("sleep-b", "Sleep Hygiene"), ("sleep-c", "Sleep Apnoea")]:
        post_article(client, site_a, slug, title, "Sleep through the night: bedtime, naps and snoring.", "Sleep")
    page = parse(fragment(client, url_of("sleep-a")).get_data(as_text=True))
    assert len(page.all("li")) == 2 and not page.all("img")
    assert page.all("section")[0]["class"] == "cr-w cr-text"
    assert not [attrs for attrs in page.all("span") if "cr-t" in str(attrs.get("class")).split()]


def test_fragment_escapes_article_text(client: FlaskClient, site_a: SiteWithKey, corpus: dict[str, int]) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    post_article(
        client,
        site_a,
        "knee-hostile",
        hostile,
        'Knee exercises and knee joint stretching "for" the quadriceps & <b>knee</b> pain.',
        "Bones and joints",
    )
    html = fragment(client, url_of("knee-pain"), limit="20").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html and "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert hostile in parse(html).text
    listed = client.get(f"/api/v1/sites/clinic-a/related?url={url_of('knee-pain')}&limit=20").get_json()["items"]
    assert hostile in [item["title"] for item in listed]  # the JSON carries it as plain data


@pytest.mark.parametrize(
    "path, status",
    [
        ("/widget/clinic-a/related?url=https://clinic-a.example/articles/nothing-here", 404),
        ("/widget/no-such-clinic/related?url=https://clinic-a.example/articles/sleep", 404),
        ("/widget/clinic-a/related?url=https://clinic-a.example/articles/sleep&limit=50", 400),
        ("/widget/clinic-a/related", 400),
    ],
)
def test_fragment_errors_have_an_empty_body(
    client: FlaskClient, corpus: dict[str, int], path: str, status: int
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype == "text/html" and response.data == b""
    assert response.headers["X-Clinic-Reads-Error"]


def test_fragment_of_a_draft_is_empty_404(client: FlaskClient, site_a: SiteWithKey, corpus: dict[str, int]) -> None:
    post_article(
        client, site_a, "sleep-draft", "Sleep Apnoea (draft)", "Snoring and sleep apnoea.", "Sleep", status="draft"
    )
    response = fragment(client, url_of("sleep-draft"))
    assert response.status_code == 404 and response.data == b""
    assert "Sleep Apnoea (draft)" not in fragment(client, url_of("sleep"), limit="20").get_data(as_text=True)


def test_fragment_etag_is_its_own_and_revalidates(client: FlaskClient, corpus: dict[str, int]) -> None:
    first = fragment(client, url_of("sleep"))
    etag = first.headers["ETag"]
    json_etag = client.get(f"/api/v1/sites/clinic-a/related?url={url_of('sleep')}").headers["ETag"]
    assert etag != json_etag
    again = client.get(f"/widget/clinic-a/related?url={url_of('sleep')}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["Cache-Control"].startswith("public, max-age=300")


def test_widget_script_is_served_small_and_cacheable(client: FlaskClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.data == SCRIPT.read_bytes()
    etag = response.headers["ETag"].strip('"')
    assert re.fullmatch(r"[0-9a-f]{16}", etag)
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert client.get("/widget.js", headers={"If-None-Match": f'"{etag}"'}).status_code == 304
    versioned = client.get(f"/widget.js?v={etag}")
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "immutable" not in client.get("/widget.js?v=stale").headers["Cache-Control"]
    assert len(gzip.compress(SCRIPT.read_bytes(), 9)) <= 4096
    assert "innerHTML" not in SCRIPT.read_text()
