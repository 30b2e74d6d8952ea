"""Every API operation the document describes: method, rule, request model, answers, authentication, errors.

The rule is the Flask rule of the view (``tests/api/test_openapi.py`` checks that this table and the URL map
name the same operations); the API key scope is read from the view itself (``require_api_key`` records it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from articles.feeds.sources import INTERVAL_MAX, INTERVAL_MIN, FeedIn, FeedPatch
from articles.schemas import ArticleIn, ArticlePatch
from articles.synonyms.store import SynonymIn, SynonymPatch
from clinicreads.openapi import bodies
from clinicreads.openapi import responses as r
from newsletter.delivery_formats import DeliveryEventsIn

Auth = Literal["key", "signature", "basic", "none"]


@dataclass(frozen=True)
class Param:
    """A query parameter."""

    name: str
    schema: dict[str, Any]
    description: str = ""


def limit(default: int, high: int) -> Param:
    return Param("limit", {"type": "integer", "minimum": 1, "maximum": high, "default": default}, "Page size.")


CURSOR = Param("cursor", {"type": "string"}, "The `next_cursor` of the previous page.")


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str
    summary: str
    tag: str
    response: r.Schema | None = field(default_factory=lambda: r.ANY_OBJECT)
    ok: tuple[int, ...] = (200,)
    body: type[BaseModel] | None = None
    body_media: str = "application/json"
    query: tuple[Param, ...] = ()
    errors: tuple[int, ...] = ()
    auth: Auth = "key"
    media: str = "application/json"
    #: other media types the success answer may have, with their schemas
    extra_media: tuple[tuple[str, r.Schema], ...] = ()


A = "/api/v1/articles"
ARTICLE = f"{A}/<int:article_id>"
FEEDS = "/api/v1/feeds"
SYNONYMS = "/api/v1/synonyms"
TOPICS = "/api/v1/topics"
SUBSCRIBER = "/api/v1/subscribers/<int:subscriber_id>"
WEBHOOKS = "/api/v1/webhooks"

OPERATIONS: tuple[Operation, ...] = (
    # articles
    Operation(
        "POST",
        A,
        "Create an article, or update the one at the same canonical URL",
        "articles",
        r.ARTICLE,
        (201, 200),
        ArticleIn,
    ),
    Operation(
        "GET",
        A,
        "List articles, paged",
        "articles",
        r.ARTICLE_PAGE,
        query=(
            limit(50, 200),
            CURSOR,
            Param("status", {"enum": ["draft", "published", "retired"]}),
            Param("tag", {"type": "string"}),
            Param("category", {"type": "string"}),
            Param("updated_since", {"type": "string", "format": "date-time"}),
        ),
    ),
    Operation("GET", ARTICLE, "One article", "articles", r.ARTICLE),
    Operation(
        "PUT", ARTICLE, "Replace every field of an article", "articles", r.ARTICLE, body=ArticleIn, errors=(409,)
    ),
    Operation(
        "PATCH", ARTICLE, "Change some fields of an article", "articles", r.ARTICLE, body=ArticlePatch, errors=(409,)
    ),
    Operation(
        "DELETE",
        ARTICLE,
        "Retire an article (200), or delete it for good with purge=true (204)",
        "articles",
        r.ARTICLE,
        (200, 204),
        query=(Param("purge", {"type": "boolean"}),),
    ),
    Operation(
        "POST",
        f"{A}/bulk",
        "Create or update up to 1,000 articles in one transaction",
        "articles",
        r.BULK_REPORT,
        body=bodies.BulkIn,
    ),
    # related links and clicks
    Operation(
        "GET",
        f"{ARTICLE}/related",
        "An article's stored related list, pins and blocks",
        "related",
        r.RELATED_LIST,
        query=(limit(20, 20),),
    ),
    Operation(
        "PUT", f"{ARTICLE}/pins", "Pin articles first in the related list", "related", r.RELATED_LIST, body=bodies.IdsIn
    ),
    Operation(
        "PUT",
        f"{ARTICLE}/blocks",
        "Never show these articles in the related list",
        "related",
        r.RELATED_LIST,
        body=bodies.IdsIn,
    ),
    Operation("GET", "/api/v1/never-pairs", "The site's never-pair rules", "related", r.page_of(r.NEVER_PAIR)),
    Operation(
        "POST",
        "/api/v1/never-pairs",
        "Add a never-pair rule",
        "related",
        r.NEVER_PAIR,
        (201,),
        bodies.NeverPairIn,
        errors=(409,),
    ),
    Operation("DELETE", "/api/v1/never-pairs/<int:rule_id>", "Remove a never-pair rule", "related", None, (204,)),
    Operation(
        "GET", f"{ARTICLE}/clicks", "Counted clicks from and to an article's related links", "related", r.ARTICLE_CLICKS
    ),
    Operation(
        "GET",
        "/api/v1/clicks",
        "The site's most-followed related links",
        "related",
        r.TOP_CLICKS,
        query=(limit(50, 200),),
    ),
    # feeds
    Operation("POST", FEEDS, "Add a feed", "feeds", r.FEED, (201,), FeedIn, errors=(409,)),
    Operation("GET", FEEDS, "The site's feeds and their status", "feeds", r.page_of(r.FEED)),
    Operation("GET", f"{FEEDS}/<int:feed_id>", "One feed and its latest polls", "feeds", r.FEED),
    Operation(
        "PATCH",
        f"{FEEDS}/<int:feed_id>",
        "Change a feed's interval or title, pause or resume it",
        "feeds",
        r.FEED,
        body=FeedPatch,
    ),
    Operation("DELETE", f"{FEEDS}/<int:feed_id>", "Delete a feed (its articles stay)", "feeds", None, (204,)),
    Operation("POST", f"{FEEDS}/<int:feed_id>/poll", "Poll a feed now", "feeds", r.ANY_OBJECT, errors=(409,)),
    Operation(
        "POST",
        f"{FEEDS}/opml",
        "Add the feeds of an OPML document",
        "feeds",
        r.OPML_REPORT,
        body_media="text/xml",
        query=(Param("interval_minutes", {"type": "integer", "minimum": INTERVAL_MIN, "maximum": INTERVAL_MAX}),),
    ),
    # synonyms
    Operation(
        "GET",
        SYNONYMS,
        "The site's synonyms, in phrase order",
        "synonyms",
        r.SYNONYM_PAGE,
        query=(
            limit(100, 1000),
            Param("offset", {"type": "integer", "minimum": 0, "maximum": 10_000_000}),
            Param("source", {"enum": ["editor", "also_called"]}),
        ),
    ),
    Operation("POST", SYNONYMS, "Add a synonym", "synonyms", r.SYNONYM, (201,), SynonymIn, errors=(409,)),
    Operation("GET", f"{SYNONYMS}/<int:synonym_id>", "One synonym", "synonyms", r.SYNONYM),
    Operation(
        "PATCH",
        f"{SYNONYMS}/<int:synonym_id>",
        "Change a synonym",
        "synonyms",
        r.SYNONYM,
        body=SynonymPatch,
        errors=(409,),
    ),
    Operation("DELETE", f"{SYNONYMS}/<int:synonym_id>", "Remove a synonym", "synonyms", None, (204,)),
    # reader topics
    Operation(
        "GET",
        TOPICS,
        "The site's reader topics",
        "topics",
        r.page_of(r.TOPIC),
        query=(Param("active", {"enum": ["true", "false"]}),),
    ),
    Operation("POST", TOPICS, "Create a reader topic", "topics", r.TOPIC, (201,), bodies.TopicIn, errors=(409,)),
    Operation("GET", f"{TOPICS}/<int:topic_id>", "One reader topic", "topics", r.TOPIC),
    Operation(
        "PATCH",
        f"{TOPICS}/<int:topic_id>",
        "Change a reader topic",
        "topics",
        r.TOPIC,
        body=bodies.TopicPatch,
        errors=(409,),
    ),
    Operation("DELETE", f"{TOPICS}/<int:topic_id>", "Delete a reader topic", "topics", None, (204,)),
    # site settings
    Operation("GET", "/api/v1/site/settings", "The site's options and their values", "site", r.SITE_SETTINGS),
    Operation(
        "PATCH",
        "/api/v1/site/settings",
        "Change some of the site's options",
        "site",
        r.SITE_SETTINGS,
        body=bodies.SiteSettingsPatch,
    ),
    # subscribers and digests
    Operation(
        "GET",
        "/api/v1/subscribers",
        "List subscribers, paged",
        "subscribers",
        r.SUBSCRIBER_PAGE,
        query=(
            limit(50, 200),
            CURSOR,
            Param("status", {"enum": ["pending", "confirmed", "unsubscribed", "bounced", "complained"]}),
            Param("frequency", {"enum": ["daily", "weekly", "monthly"]}),
            Param("interest", {"type": "string"}),
        ),
    ),
    Operation(
        "GET",
        "/api/v1/subscribers/export.csv",
        "Export subscribers as CSV",
        "subscribers",
        {"type": "string"},
        media="text/csv",
        query=(
            Param("status", {"enum": ["pending", "confirmed", "unsubscribed", "bounced", "complained"]}),
            Param("frequency", {"enum": ["daily", "weekly", "monthly"]}),
            Param("interest", {"type": "string"}),
        ),
    ),
    Operation("DELETE", SUBSCRIBER, "Erase a subscriber and everything about them", "subscribers", None, (204,)),
    Operation(
        "POST",
        "/api/v1/suppressions",
        "Never mail an address again",
        "subscribers",
        r.SUPPRESSION,
        (201, 200),
        bodies.SuppressionIn,
    ),
    Operation(
        "GET",
        f"{SUBSCRIBER}/reading-history",
        "Whether a subscriber's digest clicks are counted",
        "subscribers",
        r.READING_HISTORY,
    ),
    Operation(
        "PUT",
        f"{SUBSCRIBER}/reading-history",
        "Turn a subscriber's reading history on or off",
        "subscribers",
        r.READING_HISTORY,
        body=bodies.ReadingHistoryIn,
    ),
    Operation(
        "GET",
        f"{SUBSCRIBER}/digest-preview",
        "The digest a subscriber would get now",
        "digests",
        r.DIGEST_PREVIEW,
        query=(Param("format", {"enum": ["json", "html"]}),),
    ),
    Operation(
        "POST",
        "/api/v1/digests/test",
        "Send a subscriber's digest to another address now",
        "digests",
        r.DIGEST_TEST,
        (202,),
        bodies.DigestTestIn,
        errors=(404, 409, 502, 503),
    ),
    Operation(
        "GET",
        "/api/v1/digests/runs",
        "The site's latest digest runs",
        "digests",
        r.DIGEST_RUNS,
        query=(limit(20, 200),),
    ),
    Operation(
        "POST",
        "/api/v1/subscribers/imports",
        "Import subscribers from a CSV file (at once up to 1,000 rows, queued above)",
        "subscribers",
        r.SUBSCRIBER_IMPORT,
        (200, 202),
        body_media="text/csv",
        query=(Param("dry_run", {"type": "boolean"}, "Check and report only; write nothing."),),
    ),
    Operation(
        "GET",
        "/api/v1/subscribers/imports/<int:import_id>",
        "An import's status, progress and report",
        "subscribers",
        r.SUBSCRIBER_IMPORT,
    ),
    # public
    Operation(
        "GET",
        "/api/v1/sites/<slug>/related",
        "The widget's related list of the article at a URL",
        "public",
        r.PUBLIC_RELATED,
        auth="none",
        query=(Param("url", {"type": "string"}, "The page's address."), limit(4, 20)),
    ),
    Operation(
        "GET",
        "/api/v1/sites/<slug>/articles/<int:article_id>/related",
        "The widget's related list of an article",
        "public",
        r.PUBLIC_RELATED,
        auth="none",
        query=(limit(4, 20),),
    ),
    Operation(
        "POST",
        "/api/v1/sites/<slug>/subscribe",
        "Sign up for the newsletter (double opt-in)",
        "public",
        r.SIGNUP_ACCEPTED,
        (202,),
        bodies.SignupIn,
        auth="none",
        errors=(429,),
    ),
    # delivery webhooks
    Operation(
        "POST",
        f"{WEBHOOKS}/delivery-events",
        "Report bounces and complaints (generic shape)",
        "webhooks",
        r.DELIVERY_OUTCOMES,
        body=DeliveryEventsIn,
        auth="signature",
    ),
    Operation(
        "POST",
        f"{WEBHOOKS}/ses",
        "Report SES bounces and complaints in SNS messages",
        "webhooks",
        r.SNS_ANSWER,
        body_media="text/plain",
        auth="signature",
    ),
    Operation(
        "POST",
        f"{WEBHOOKS}/postmark",
        "Postmark's bounce and spam-complaint webhooks",
        "webhooks",
        r.DELIVERY_OUTCOMES,
        body_media="application/json",
        auth="basic",
    ),
    # the service
    Operation("GET", "/healthz", "Liveness: the database answers", "service", r.HEALTH, auth="none", errors=(503,)),
    Operation("GET", "/api/openapi.json", "This document", "service", r.ANY_OBJECT, auth="none"),
    Operation(
        "GET", "/api/docs", "This document as a page", "service", {"type": "string"}, auth="none", media="text/html"
    ),
)
