"""The public related-list API: lookups by page address and id, limits, hidden articles, caching and CORS."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text
from werkzeug.test import Client

from articles.widget.fast_lane import FastLane
from service.request_log import RequestLog
from tests.articles.widget_corpus import CORPUS, load_corpus, post_article, related, titles, url_of
from tests.conftest import SiteWithKey

ITEM_KEYS = ["id", "title", "url", "summary", "image", "published_at", "category", "score", "why"]


@pytest.fixture
def corpus(client: FlaskClient, site_a: SiteWithKey) -> dict[str, int]:
    return load_corpus(client, site_a)


@pytest.mark.parametrize(
    "variant",
    [
        "https://clinic-a.example/articles/knee-pain",
        "https://clinic-a.example/articles/knee-pain/",
        "http://clinic-a.example/articles/knee-pain",
        "https://CLINIC-A.Example/articles/knee-pain",
        "https://clinic-a.example/articles/knee-pain?utm_source=newsletter&utm_medium=email",
        "https://clinic-a.example:443/articles/knee-pain#section-2",
    ],
)
def test_page_address_variants_find_the_article(client: FlaskClient, corpus: dict[str, int], variant: str) -> None:
    response = related(client, "clinic-a", variant)
    assert response.status_code == 200
    body = response.get_json()
    assert body["article"] == {"id": corpus["knee-pain"], "title": CORPUS["knee-pain"][0], "url": url_of("knee-pain")}
    assert len(body["items"]) == 4
    assert [list(item) for item in body["items"]] == [ITEM_KEYS] * 4
    # the two other knee articles are the closest matches; the article itself is never listed
    assert set(titles(response)[:2]) == {CORPUS["knee-replacement"][0], CORPUS["runners-knee"][0]}
    assert corpus["knee-pain"] not in [item["id"] for item in body["items"]]
    first = body["items"][0]
    assert first["url"].startswith("https://clinic-a.example/articles/") and first["why"]
    assert first["category"] == "Bones and joints"


def test_lookup_by_id_answers_the_same(client: FlaskClient, corpus: dict[str, int]) -> None:
    by_id = client.get(f"/api/v1/sites/clinic-a/articles/{corpus['blood-sugar']}/related?limit=3")
    by_url = related(client, "clinic-a", url_of("blood-sugar"), limit=3)
    assert by_id.status_code == 200
    assert by_id.get_json() == by_url.get_json()
    assert titles(by_id)[0] == CORPUS["type-2-diabetes"][0]
    images = {
        item["title"]: item["image"]
        for item in related(client, "clinic-a", url_of("sleep"), limit=5).get_json()["items"]
    }
    assert images[CORPUS["knee-pain"][0]] == "https://images.example/knee.jpg"
    assert images[CORPUS["type-2-diabetes"][0]] is None


@pytest.mark.parametrize("limit, expected", [(None, 4), ("1", 1), ("3", 3), ("20", 5)])
def test_limit_bounds_the_items(client: FlaskClient, corpus: dict[str, int], limit: str | None, expected: int) -> None:
    params = {} if limit is None else {"limit": limit}
    response = related(client, "clinic-a", url_of("sleep"), **params)
    assert response.status_code == 200
    assert len(response.get_json()["items"]) == expected


@pytest.mark.parametrize(
    "query, field",
    [
        ("url=https://clinic-a.example/articles/sleep&limit=0", "limit"),
        ("url=https://clinic-a.example/articles/sleep&limit=21", "limit"),
        ("url=https://clinic-a.example/articles/sleep&limit=four", "limit"),
        ("limit=4", "url"),
        ("url=not-a-page-address", "url"),
        ("url=ftp://clinic-a.example/articles/sleep", "url"),
    ],
)
def test_bad_parameters_are_400_json(client: FlaskClient, corpus: dict[str, int], query: str, field: str) -> None:
    response = client.get(f"/api/v1/sites/clinic-a/related?{query}")
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


def _all_listed_ids(client: FlaskClient, corpus: dict[str, int]) -> set[int]:
    listed: set[int] = set()
    for slug in corpus:
        response = related(client, "clinic-a", url_of(slug), limit=20)
        if response.status_code == 200:
            listed |= {item["id"] for item in response.get_json()["items"]}
    return listed


def test_drafts_and_retired_articles_never_appear(
    client: FlaskClient, site_a: SiteWithKey, corpus: dict[str, int]
) -> None:
    draft = post_article(
        client,
        site_a,
        "knee-brace",
        "Choosing a Knee Brace",
        "A knee brace supports the knee joint during knee exercises and physical therapy.",
        "Bones and joints",
        status="draft",
    )["id"]
    assert client.delete(f"/api/v1/articles/{corpus['runners-knee']}", headers=site_a.headers).status_code in (200, 204)
    listed = _all_listed_ids(client, corpus)
    assert draft not in listed and corpus["runners-knee"] not in listed
    assert corpus["knee-replacement"] in listed
    for slug, article_id in (("knee-brace", draft), ("runners-knee", corpus["runners-knee"])):
        response = related(client, "clinic-a", url_of(slug))
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "unknown_article"
        assert client.get(f"/api/v1/sites/clinic-a/articles/{article_id}/related").status_code == 404


def test_unknown_site_and_article_are_404_json(
    client: FlaskClient, corpus: dict[str, int], site_b: SiteWithKey
) -> None:
    cases = [
        (related(client, "no-such-clinic", url_of("sleep")), "unknown_site"),
        (related(client, "clinic-a", url_of("no-such-article")), "unknown_article"),
        (client.get("/api/v1/sites/clinic-a/articles/999999/related"), "unknown_article"),
        # clinic-a's article is not clinic-b's, by address or by id
        (related(client, "clinic-b", url_of("sleep")), "unknown_article"),
        (client.get(f"/api/v1/sites/clinic-b/articles/{corpus['sleep']}/related"), "unknown_article"),
    ]
    for response, code in cases:
        assert response.status_code == 404
        assert response.is_json and response.get_json()["error"]["code"] == code


def test_etag_gives_304_until_the_list_changes(
    client: FlaskClient, site_a: SiteWithKey, corpus: dict[str, int]
) -> None:
    first = related(client, "clinic-a", url_of("type-2-diabetes"))
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=300, stale-while-revalidate=3600"
    again = client.get(
        f"/api/v1/sites/clinic-a/related?url={url_of('type-2-diabetes')}", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304 and again.headers["ETag"] == etag and again.data == b""
    assert related(client, "clinic-a", url_of("type-2-diabetes"), limit=5).headers["ETag"] != etag

    post_article(
        client,
        site_a,
        "diabetes-insulin",
        "Starting Insulin for Type 2 Diabetes",
        "Insulin lowers blood sugar in type 2 diabetes. Check blood glucose and follow the diabetes meal plan.",
        "Diabetes",
    )
    changed = client.get(
        f"/api/v1/sites/clinic-a/related?url={url_of('type-2-diabetes')}", headers={"If-None-Match": etag}
    )
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "Starting Insulin for Type 2 Diabetes" in titles(changed)[:2]


def _cors(response: Any) -> str | None:
    return response.headers.get("Access-Control-Allow-Origin")


def test_cors_answers_only_the_sites_own_origins(
    client: FlaskClient, corpus: dict[str, int], site_b: SiteWithKey
) -> None:
    path = f"/api/v1/sites/clinic-a/related?url={url_of('sleep')}"
    allowed = client.get(path, headers={"Origin": "https://clinic-a.example"})
    assert _cors(allowed) == "https://clinic-a.example"
    assert "Origin" in allowed.headers["Vary"]
    for origin in ("https://clinic-b.example", "https://evil.example", "http://clinic-a.example", "null"):
        response = client.get(path, headers={"Origin": origin})
        assert response.status_code == 200 and _cors(response) is None
        assert "Access-Control-Allow-Methods" not in response.headers
    assert _cors(client.get(path)) is None
    # a 404 for a known site still lets the site's own pages read the status
    missing = related(client, "clinic-a", url_of("gone"), headers={"Origin": "https://clinic-a.example"})
    assert missing.status_code == 404 and _cors(missing) == "https://clinic-a.example"


def test_cors_preflight(client: FlaskClient, corpus: dict[str, int]) -> None:
    path = f"/api/v1/sites/clinic-a/articles/{corpus['sleep']}/related"
    headers = {
        "Origin": "https://clinic-a.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match",
    }
    allowed = client.options(path, headers=headers)
    assert allowed.status_code == 204
    assert _cors(allowed) == "https://clinic-a.example"
    assert "GET" in allowed.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in allowed.headers["Access-Control-Allow-Headers"]
    refused = client.options(path, headers={**headers, "Origin": "https://evil.example"})
    assert refused.status_code == 204 and _cors(refused) is None
    assert "Access-Control-Allow-Methods" not in refused.headers


def test_fast_lane_answers_exactly_like_the_flask_view(app: Any, client: FlaskClient, corpus: dict[str, int]) -> None:
    """Ordinary reads are answered in front of Flask (articles.widget.fast_lane); they must match the view."""
    passed_on: list[str] = []

    def refuse(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        passed_on.append(environ["PATH_INFO"])
        start_response("599 PASSED ON", [])
        return [b""]

    assert isinstance(app.wsgi_app, RequestLog)  # the request log wraps the fast lane, which wraps Flask
    lane = app.wsgi_app.wsgi_app
    assert isinstance(lane, FastLane)
    fast, view = Client(FastLane(app, refuse)), Client(lane.wsgi_app)
    by_url = f"/api/v1/sites/clinic-a/related?url={url_of('knee-pain')}/&limit=3"
    by_id = f"/api/v1/sites/clinic-a/articles/{corpus['sleep']}/related"
    origin = {"Origin": "https://clinic-a.example"}
    for path, headers in ((by_url, {}), (by_id, origin), (by_url, {"Origin": "https://evil.example"})):
        quick, full = fast.get(path, headers=headers), view.get(path, headers=headers)
        assert quick.status_code == full.status_code == 200
        assert quick.get_data() == full.get_data()
        for name in ("Content-Type", "ETag", "Cache-Control", "Vary", "Access-Control-Allow-Origin"):
            assert quick.headers.get(name) == full.headers.get(name), name
        again = fast.get(path, headers={**headers, "If-None-Match": full.headers["ETag"]})
        assert again.status_code == 304 and again.headers["ETag"] == full.headers["ETag"]
    assert passed_on == []
    for path in (
        by_url.replace("limit=3", "limit=0"),
        "/api/v1/sites/clinic-a/related",
        f"/api/v1/sites/clinic-a/related?url={url_of('nothing')}",
        "/api/v1/sites/nope/articles/1/related",
    ):
        assert fast.get(path).status_code == 599
    assert fast.head(by_id).status_code == 599 and len(passed_on) == 5
    huge = client.get("/api/v1/sites/clinic-a/articles/99999999999999/related")  # beyond any id: no route matches
    assert huge.status_code == 404 and huge.get_json()["error"]["code"] == "not_found"


def test_fast_lane_reads_query_strings_like_the_flask_view(app: Any, corpus: dict[str, int]) -> None:
    """Repeated, blank, ``+``-spaced and percent-encoded parameters mean the same in front of Flask and in it."""
    lane = app.wsgi_app.wsgi_app

    def refuse(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("599 PASSED ON", [])
        return [b""]

    fast, view = Client(FastLane(app, refuse)), Client(lane.wsgi_app)
    knee = url_of("knee-pain").replace(":", "%3A").replace("/", "%2F")
    queries = (
        f"limit=2&limit=5&url={knee}",  # the first of each counts
        f"url={knee}&url={url_of('sleep')}&limit=1",
        f"&&%6Cimit=3&&u%72l={knee}&",  # blank fields; names percent-encoded
        f"url=++{knee}+&limit=+2+",  # '+' is a space: the address is trimmed, the limit is not a number
        f"url={knee}&limit",  # a field without '=' is blank: the site's own limit
        f"url={knee}%3Futm_source%3Dnews+letter&limit=%32",
        f"limit=3&url={knee};limit=9",  # ';' separates nothing: it is part of the address, not found
    )
    for query in queries:
        path = f"/api/v1/sites/clinic-a/related?{query}"
        quick, full = fast.get(path), view.get(path)
        if full.status_code != 200:  # not an ordinary answer: the fast lane leaves it to the view
            assert quick.status_code == 599, query
            continue
        assert quick.status_code == 200, query
        assert quick.get_data() == full.get_data(), query
        assert quick.headers.get("ETag") == full.headers.get("ETag"), query
    answered = [view.get(f"/api/v1/sites/clinic-a/related?{query}") for query in queries]
    assert [len(r.get_json()["items"]) if r.status_code == 200 else r.status_code for r in answered] == [
        2,
        1,
        3,
        400,
        4,
        2,
        404,
    ]


def widget_cache_counts(client: FlaskClient) -> dict[tuple[str, str], float]:
    text = client.get("/metrics").get_data(as_text=True)
    return {
        (sample.labels["cache"], sample.labels["result"]): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "clinicreads_widget_cache_total"
    }


def test_widget_cache_hits_are_counted(app: Any, client: FlaskClient, corpus: dict[str, int]) -> None:
    app.config["WIDGET_MICROCACHE_SECONDS"] = 60
    before = widget_cache_counts(client)
    for _ in range(3):
        assert related(client, "clinic-a", url_of("sleep")).status_code == 200
    after = widget_cache_counts(client)

    def delta(cache: str, result: str) -> float:
        return after.get((cache, result), 0.0) - before.get((cache, result), 0.0)

    assert (delta("micro", "miss"), delta("micro", "hit")) == (1, 2)
    assert delta("rendered", "miss") + delta("rendered", "hit") == 1  # only the micro-cache miss renders


def test_micro_cache_reuses_an_answer_briefly(
    app: Any, client: FlaskClient, corpus: dict[str, int], site_a: SiteWithKey
) -> None:
    app.config["WIDGET_MICROCACHE_SECONDS"] = 60
    first = related(client, "clinic-a", url_of("knee-pain"))
    client.put(f"/api/v1/articles/{corpus['knee-pain']}/pins", json={"ids": [corpus["sleep"]]}, headers=site_a.headers)
    again = related(client, "clinic-a", url_of("knee-pain"), headers={"Origin": "https://clinic-a.example"})
    assert again.get_json() == first.get_json()  # within the cache time: the same answer
    assert again.headers["Access-Control-Allow-Origin"] == "https://clinic-a.example"  # CORS still per request
    not_allowed = related(client, "clinic-a", url_of("knee-pain"), headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in not_allowed.headers
    unchanged = related(client, "clinic-a", url_of("knee-pain"), headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304

    app.config["WIDGET_MICROCACHE_SECONDS"] = 0
    fresh = related(client, "clinic-a", url_of("knee-pain"))
    assert fresh.get_json()["items"][0]["id"] == corpus["sleep"]
    assert fresh.headers["ETag"] != first.headers["ETag"]


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_reads_survive_their_postgres_connections_being_dropped(
    app: Any, client: FlaskClient, corpus: dict[str, int]
) -> None:
    """On PostgreSQL the reads run statements prepared per connection: a dropped connection is replaced, the
    statements are prepared again on the new one, and the answer is the same."""
    url = app.config["DATABASE_URL"]
    paths = [f"/api/v1/sites/clinic-a/articles/{corpus[slug]}/related" for slug in ("sleep", "knee-pain")]
    before = [client.get(path) for path in paths] + [related(client, "clinic-a", url_of("knee-pain"))]
    assert [r.status_code for r in before] == [200, 200, 200]
    admin = create_engine(url)
    with admin.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    assert ended >= 1
    for _ in range(2):  # the first read after the drop retries on a new connection; the next reuses it
        after = [client.get(path) for path in paths] + [related(client, "clinic-a", url_of("knee-pain"))]
        assert [r.status_code for r in after] == [200, 200, 200]
        assert [r.get_data() for r in after] == [r.get_data() for r in before]
