"""Feeds as clinics' platforms publish them (FeedBurner, WordPress, Squarespace, Ghost, Medium, JSON Feed), served
over real HTTP, polled through the API and read back through the API: the article's URL, title, summary, body,
image and categories."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.articles.feed_server import FeedServer
from tests.conftest import REPO_ROOT, SiteWithKey

FIXTURES = REPO_ROOT / "tests" / "data" / "platform-feeds"
RSS = "application/rss+xml; charset=UTF-8"


@dataclass(frozen=True)
class Expected:
    url: str
    title: str
    summary_starts: str
    body_has: tuple[str, ...]
    categories: list[str]
    image_url: str
    author: str
    summary_lacks: tuple[str, ...] = ("appeared first on",)
    body_lacks: tuple[str, ...] = field(default=("appeared first on",))


PLATFORMS = {
    "feedburner-wordpress.xml": Expected(
        url="https://www.lakesidefamilyclinic.example/blog/flu-season-when-to-get-your-shot/",
        title="It’s Flu Season: When to Get Your Shot",
        summary_starts="The flu vaccine is the best way to protect yourself and your family. Here’s when",
        body_has=("Who needs it most", "flu-shot-1024x683.jpg"),
        categories=["Vaccines", "Flu", "Prevention"],
        image_url="https://www.lakesidefamilyclinic.example/wp-content/uploads/2026/03/flu-shot-1024x683.jpg",
        author="Dr. Maria O’Neill",
        body_lacks=("appeared first on", "feedburner", "feedflare", "feedproxy"),
    ),
    "wordpress.xml": Expected(
        url="https://northsideheart.example/2026/03/02/blood-pressure-what-the-numbers-mean/",
        title="Blood Pressure – What the Numbers Mean",
        summary_starts="Your blood pressure reading has two numbers.",
        body_has=("120/80", "cuff.jpg"),
        categories=["Heart Health", "blood pressure", "hypertension"],
        image_url="https://northsideheart.example/wp-content/uploads/2026/03/cuff.jpg",
        author="Northside Heart Center",
        body_lacks=("appeared first on", "pixel.wp.com", "&amp;#"),
    ),
    "squarespace.xml": Expected(
        url="https://www.willowpediatrics.example/journal/2026/3/4/fever-in-babies",
        title="Fever in Babies: When to Call the Doctor",
        summary_starts="A fever is the body’s way of fighting infection.",
        body_has=("100.4°F", "Older babies and toddlers"),
        categories=["Infant Care", "Fever"],
        image_url="https://images.squarespace-cdn.example/content/v1/5f1e/fever.jpg?format=1500w",
        author="Willow Pediatrics",
    ),
    "ghost.xml": Expected(
        url="https://blog.harbornutrition.example/fiber-how-much-do-you-need/",
        title="Fiber: How Much Do You Need?",
        summary_starts="Most adults eat about half the fiber they need.",
        body_has=("Easy swaps", "Beans in soups and salads"),
        categories=["Nutrition", "Digestive Health"],
        image_url="https://blog.harbornutrition.example/content/images/2026/03/fiber.jpg",
        author="Priya Raman, RD",
    ),
    "medium.xml": Expected(
        url="https://medium.com/@summitsleep/seven-habits-for-better-sleep-9a8b7c6d5e4f",
        title="Seven Habits for Better Sleep",
        summary_starts="Good sleep starts long before bedtime.",
        body_has=("Keep the bedroom dark and cool", "1*bedroom.jpeg"),
        categories=["sleep", "insomnia", "health"],
        image_url="https://cdn-images-1.medium.com/max/1024/1*bedroom.jpeg",
        author="Summit Sleep Clinic",
        body_lacks=("_/stat", "clientViewed"),
    ),
    "jsonfeed.json": Expected(
        url="https://riverbenddermatology.example/articles/choosing-a-sunscreen/",
        title="Choosing a Sunscreen That Works",
        summary_starts="Broad spectrum, SPF 30 or higher, water resistant: what the label tells you.",
        body_has=("broad spectrum", "sunscreen.jpg"),
        categories=["Skin Cancer", "Sun Safety"],
        image_url="https://riverbenddermatology.example/wp-content/uploads/sunscreen.jpg",
        author="Dr. Sam Okafor",
        body_lacks=("stats.wordpress.com",),
    ),
}


def import_feed(app: Flask, client: FlaskClient, site: SiteWithKey, server: FeedServer, name: str) -> dict[str, Any]:
    """Serve the fixture, add it as a feed, poll it now and return the one article it made."""
    app.config["FEEDS_ALLOW_PRIVATE_HOSTS"] = True  # the feed server is on loopback
    kind = "application/feed+json" if name.endswith(".json") else RSS
    server.route(f"/{name}", body=(FIXTURES / name).read_bytes(), content_type=kind)
    added = client.post("/api/v1/feeds", json={"url": server.url(f"/{name}")}, headers=site.headers)
    assert added.status_code == 201, added.json
    poll = client.post(f"/api/v1/feeds/{added.json['id']}/poll", headers=site.headers).json
    assert (poll["outcome"], poll["created"], poll["rejected"]) == ("ok", 1, 0), poll
    articles = client.get("/api/v1/articles", headers=site.headers).json["items"]
    assert len(articles) == 1
    return articles[0]


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_platform_feeds_import_as_the_clinic_published_them(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, feed_server: FeedServer, name: str
) -> None:
    expected = PLATFORMS[name]
    article = import_feed(app, client, site_a, feed_server, name)
    assert article["url"] == expected.url
    assert article["title"] == expected.title
    assert article["author"] == expected.author
    assert article["summary"].startswith(expected.summary_starts), article["summary"]
    for text in expected.summary_lacks:
        assert text not in article["summary"]
    for text in expected.body_has:
        assert text in article["body_html"]
    for text in expected.body_lacks:
        assert text not in article["body_html"]
    assert 'width="1"' not in article["body_html"] and 'height="1"' not in article["body_html"]
    assert "&amp;#" not in article["body_html"] and "&#8217;" not in article["title"] + article["summary"]
    assert article["categories"] == expected.categories
    assert article["tags"] == []
    assert article["image_url"] == expected.image_url


def test_more_than_twenty_feed_categories_keep_the_rest_as_tags(
    app: Flask, client: FlaskClient, site_a: SiteWithKey, feed_server: FeedServer
) -> None:
    names = [f"Topic {n}" for n in range(1, 26)]
    categories = "".join(f"<category><![CDATA[{name}]]></category>" for name in names + ["topic 1"])
    body = (FIXTURES / "wordpress.xml").read_text().replace("<category><![CDATA[Heart Health]]></category>", categories)
    feed_server.route("/many.xml", body=body.encode(), content_type=RSS)
    app.config["FEEDS_ALLOW_PRIVATE_HOSTS"] = True
    added = client.post("/api/v1/feeds", json={"url": feed_server.url("/many.xml")}, headers=site_a.headers)
    feed_id = added.json["id"]
    assert client.post(f"/api/v1/feeds/{feed_id}/poll", headers=site_a.headers).json["created"] == 1
    article = client.get("/api/v1/articles", headers=site_a.headers).json["items"][0]
    assert article["categories"] == names[:20]
    assert article["tags"] == names[20:] + ["blood pressure", "hypertension"]
