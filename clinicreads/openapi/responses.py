"""JSON Schemas of the answers: the error shape every refusal has, and the success shapes by resource.

Success shapes name the fields a client can rely on (required, typed); answers may carry more fields.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

NULLABLE_STRING: Schema = {"type": ["string", "null"]}
NULLABLE_TIME: Schema = {"type": ["string", "null"], "format": "date-time"}


def obj(required: dict[str, Schema], **optional: Schema) -> Schema:
    """An object with these required properties (and these optional ones); other properties are allowed."""
    return {"type": "object", "required": list(required), "properties": {**required, **optional}}


def page_of(item: Schema, **extra: Schema) -> Schema:
    return obj({"items": {"type": "array", "items": item}, **extra})


ERROR: Schema = obj(
    {
        "error": obj(
            {"code": {"type": "string"}, "message": {"type": "string"}},
            fields={"type": "object", "additionalProperties": True},
        )
    }
)

ARTICLE: Schema = obj(
    {
        "id": {"type": "integer"},
        "url": {"type": "string"},
        "title": {"type": "string"},
        "status": {"enum": ["draft", "published", "retired"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "categories": {"type": "array", "items": {"type": "string"}},
        "published_at": NULLABLE_TIME,
        "summary": NULLABLE_STRING,
    },
    related_status={"enum": ["current", "pending"]},
)
ARTICLE_PAGE: Schema = page_of(ARTICLE, next_cursor=NULLABLE_STRING)

BULK_REPORT: Schema = obj(
    {
        "counts": obj({name: {"type": "integer"} for name in ("created", "updated", "unchanged", "rejected")}),
        "items": {
            "type": "array",
            "items": obj(
                {"index": {"type": "integer"}, "status": {"enum": ["created", "updated", "unchanged", "rejected"]}}
            ),
        },
    }
)

RELATED_ITEM: Schema = obj(
    {"id": {"type": "integer"}, "title": {"type": "string"}, "url": {"type": "string"}},
    score={"type": ["number", "null"]},
    reason={"type": "string"},
)
RELATED_LIST: Schema = obj({"items": {"type": "array", "items": RELATED_ITEM}})
NEVER_PAIR: Schema = obj({"id": {"type": "integer"}, "tag_a": {"type": "string"}, "tag_b": {"type": "string"}})

FEED: Schema = obj({"id": {"type": "integer"}, "url": {"type": "string"}, "interval_minutes": {"type": "integer"}})
OPML_REPORT: Schema = obj({"counts": {"type": "object"}, "items": {"type": "array"}})

SYNONYM: Schema = obj(
    {
        "id": {"type": "integer"},
        "phrase": {"type": "string"},
        "means": {"type": "string"},
        "source": {"enum": ["editor", "also_called"]},
    }
)
SYNONYM_PAGE: Schema = page_of(
    SYNONYM, total={"type": "integer"}, offset={"type": "integer"}, limit={"type": "integer"}
)

TOPIC: Schema = obj(
    {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "match_terms": {"type": "array", "items": {"type": "string"}},
        "labels": {"type": "array", "items": {"type": "string"}},
        "position": {"type": "integer"},
        "active": {"type": "boolean"},
    }
)

SUBSCRIBER: Schema = obj(
    {
        "id": {"type": "integer"},
        "email": {"type": "string"},
        "status": {"enum": ["pending", "confirmed", "unsubscribed", "bounced", "complained"]},
        "topics": {"type": "array", "items": {"type": "string"}},
    }
)
SUBSCRIBER_PAGE: Schema = page_of(SUBSCRIBER, next_cursor=NULLABLE_STRING, counts={"type": "object"})
SUPPRESSION: Schema = obj({"id": {"type": "integer"}, "email_hash": {"type": "string"}})
READING_HISTORY: Schema = obj(
    {"subscriber_id": {"type": "integer"}, "reading_history": {"type": "boolean"}, "clicks": {"type": "integer"}}
)
DIGEST_PREVIEW: Schema = obj({"subscriber_id": {"type": "integer"}, "items": {"type": "array"}})
DIGEST_TEST: Schema = obj({"sent_to": {"type": "string"}, "items": {"type": "array"}})
DIGEST_RUNS: Schema = obj({"items": {"type": "array"}})
ARTICLE_CLICKS: Schema = obj({"outgoing": {"type": "array"}, "incoming": {"type": "array"}})
TOP_CLICKS: Schema = obj({"items": {"type": "array"}, "total": {"type": "integer"}})
SITE_SETTINGS: Schema = obj({"site": {"type": "string"}, "settings": {"type": "object"}})

PUBLIC_RELATED: Schema = obj({"items": {"type": "array", "items": RELATED_ITEM}})
SIGNUP_ACCEPTED: Schema = obj({"status": {"const": "accepted"}, "message": {"type": "string"}})
DELIVERY_OUTCOMES: Schema = obj(
    {
        "received": {"type": "integer"},
        "outcomes": obj(
            {
                name: {"type": "integer"}
                for name in ("suppressed", "soft_bounce", "unknown_address", "unknown_site", "invalid_address")
            }
        ),
    }
)
SNS_ANSWER: Schema = obj(
    {"type": {"enum": ["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"]}},
    topic_arn={"type": "string"},
    subscribe_url={"type": "string"},
)
SUBSCRIBER_IMPORT: Schema = obj(
    {
        "id": {"type": "integer"},
        "status": {"enum": ["queued", "running", "done", "failed"]},
        "dry_run": {"type": "boolean"},
        "rows_total": {"type": "integer"},
        "rows_done": {"type": "integer"},
        "report": {"type": ["object", "null"]},
        "error": NULLABLE_STRING,
    }
)
HEALTH: Schema = obj({"status": {"type": "string"}})
ANY_OBJECT: Schema = {"type": "object"}
