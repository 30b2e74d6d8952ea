"""A small clinic corpus for the widget tests, written through the editors' API so related lists are real."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.conftest import SiteWithKey, article_payload

BASE = "https://clinic-a.example/articles/"

#: slug -> (title, body, category, image); two clear topics (knees, diabetes) and one loner (sleep).
CORPUS: dict[str, tuple[str, str, str, str | None]] = {
    "knee-pain": (
        "Knee Pain: Exercises That Help",
        "Knee pain often eases with gentle knee exercises, stretching of the thigh muscles and physical "
        "therapy. Strong quadriceps support the knee joint and cartilage.",
        "Bones and joints",
        "https://images.example/knee.jpg",
    ),
    "knee-replacement": (
        "Recovering After Knee Replacement",
        "After knee replacement surgery, physical therapy and knee exercises restore movement of "
        "the knee joint. Stretching the quadriceps helps the new joint.",
        "Bones and joints",
        None,
    ),
    "runners-knee": (
        "Runner's Knee and Kneecap Pain",
        "Runner's knee is pain around the kneecap. Knee exercises, quadriceps stretching and rest "
        "help the knee joint recover.",
        "Bones and joints",
        "https://images.example/run.jpg",
    ),
    "type-2-diabetes": (
        "Eating Well With Type 2 Diabetes",
        "Type 2 diabetes means high blood sugar. A diabetes meal plan with fibre and fewer sugary "
        "drinks keeps blood glucose steady.",
        "Diabetes",
        None,
    ),
    "blood-sugar": (
        "Checking Your Blood Sugar at Home",
        "A glucose meter checks blood sugar at home. People with diabetes record blood glucose to "
        "adjust insulin and their diabetes meal plan.",
        "Diabetes",
        None,
    ),
    "sleep": (
        "Better Sleep Habits",
        "Regular bedtimes, a dark bedroom and less caffeine in the evening help adults sleep through the "
        "night and wake rested.",
        "Sleep",
        None,
    ),
}


def url_of(slug: str) -> str:
    return BASE + slug


def post_article(
    client: FlaskClient,
    site: SiteWithKey,
    slug: str,
    title: str,
    body: str,
    category: str = "General",
    image: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    payload = article_payload(
        **{
            "url": url_of(slug),
            "title": title,
            "body_html": f"<p>{body}</p>",
            "tags": [],
            "categories": [category],
            "image_url": image,
            **overrides,
        }
    )
    response = client.post("/api/v1/articles", json=payload, headers=site.headers)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def load_corpus(client: FlaskClient, site: SiteWithKey) -> dict[str, int]:
    """Post the corpus; returns slug -> article id."""
    return {
        slug: post_article(client, site, slug, title, body, category, image)["id"]
        for slug, (title, body, category, image) in CORPUS.items()
    }


def related(
    client: FlaskClient, site_slug: str, page_url: str, headers: dict[str, str] | None = None, **params: Any
) -> Any:
    return client.get(
        f"/api/v1/sites/{site_slug}/related", query_string={"url": page_url, **params}, headers=headers or {}
    )


def titles(response: Any) -> list[str]:
    return [item["title"] for item in response.get_json()["items"]]
