"""Reader topics: a site's curated topics in plain words, what they match, and resolving a reader's choice.

One validation step (:func:`parse_topic`) serves the editors' API, the admin page and the demo loader;
every problem is collected per field and raised once as a 422 :class:`ApiError`.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsletter.models import ReaderTopic
from service.db import utcnow
from service.errors import ApiError
from service.sites import Site

MAX_NAME = 80
MAX_DESCRIPTION = 200
MAX_TERM = 100
MAX_TERMS = 50
MAX_LABELS = 20
#: the demo clinic's reader topics, in plain words (loaded by ``flask demo load``)
DEMO_READER_TOPICS = Path(__file__).resolve().parent / "demo_topics.json"
FIELDS = {"name", "description", "match_terms", "labels", "position", "active"}


@dataclass(frozen=True)
class TopicData:
    """A validated reader topic (all fields; a patch is applied on top of the stored values first)."""

    name: str
    description: str | None
    match_terms: list[str]
    labels: list[str]
    position: int
    active: bool


def _clean(text: str) -> str:
    """Control characters dropped and runs of white space collapsed."""
    return " ".join("".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch.isspace()).split())


def _text(raw: Any, name: str, limit: int, errors: dict[str, str], required: bool = False) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            errors[name] = "Required."
        return None
    if not isinstance(raw, str):
        errors[name] = "Must be text."
        return None
    text = _clean(raw)
    if len(text) > limit:
        errors[name] = f"Use at most {limit} characters."
    return text


def _text_list(raw: Any, name: str, limit: int, errors: dict[str, str]) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):  # a form's textarea: one entry a line (or comma-separated)
        raw = [part for line in raw.splitlines() for part in line.split(",")]
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        errors[name] = "Must be a list of words or phrases."
        return []
    values: list[str] = []
    for value in raw:
        text = _clean(value)
        if len(text) > MAX_TERM:
            errors[name] = f"Each entry has at most {MAX_TERM} characters."
        elif text and text.casefold() not in {v.casefold() for v in values}:
            values.append(text)
    if len(values) > limit:
        errors[name] = f"At most {limit} entries."
    return values


def parse_topic(data: Any, base: ReaderTopic | None = None) -> TopicData:
    """A validated topic from a JSON object (a patch on ``base`` when given); a 422 naming every bad field."""
    if not isinstance(data, Mapping):
        raise ApiError(422, "invalid_body", "The body must be a JSON object.")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise ApiError(422, "invalid_fields", "Some fields are not known.", {name: "unknown field" for name in unknown})
    current: dict[str, Any] = (
        {
            "name": base.name,
            "description": base.description,
            "match_terms": list(base.match_terms),
            "labels": list(base.labels),
            "position": base.position,
            "active": base.active,
        }
        if base is not None
        else {}
    )
    current.update(data)
    errors: dict[str, str] = {}
    name = _text(current.get("name"), "name", MAX_NAME, errors, required=True) or ""
    description = _text(current.get("description"), "description", MAX_DESCRIPTION, errors)
    match_terms = _text_list(current.get("match_terms"), "match_terms", MAX_TERMS, errors)
    labels = _text_list(current.get("labels"), "labels", MAX_LABELS, errors)
    position = current.get("position", 0)
    if isinstance(position, str) and position.strip().lstrip("-").isdigit():
        position = int(position)
    if isinstance(position, bool) or not isinstance(position, int) or not -10_000 <= position <= 10_000:
        errors["position"] = "Must be a whole number from -10000 to 10000."
        position = 0
    active = current.get("active", True)
    if not isinstance(active, bool):
        errors["active"] = "Must be true or false."
    if name and not match_terms and not labels:
        match_terms = [name]
    if errors:
        raise ApiError(422, "invalid_fields", "Some fields are missing or invalid.", errors)
    return TopicData(name, description, match_terms, labels, position, bool(active))


def _name_taken(db: Session, site: Site, name: str, except_id: int | None) -> bool:
    query = select(ReaderTopic.id).where(ReaderTopic.site_id == site.id, ReaderTopic.name_key == name.casefold())
    if except_id is not None:
        query = query.where(ReaderTopic.id != except_id)
    return db.scalar(query) is not None


def _apply(topic: ReaderTopic, data: TopicData, now: datetime) -> None:
    topic.name = data.name
    topic.name_key = data.name.casefold()
    topic.description = data.description
    topic.match_terms = data.match_terms
    topic.labels = data.labels
    topic.position = data.position
    topic.active = data.active
    topic.updated_at = now


def _conflict(name: str) -> ApiError:
    return ApiError(409, "topic_exists", "A topic with this name already exists.", {"name": f"{name!r} is taken."})


def save_topic(db: Session, site: Site, data: TopicData, topic: ReaderTopic | None = None) -> ReaderTopic:
    """Create a topic (``topic`` None) or replace one's fields; 409 when another topic has the name. Flushes."""
    if _name_taken(db, site, data.name, topic.id if topic else None):
        raise _conflict(data.name)
    now = utcnow()
    if topic is None:
        topic = ReaderTopic(site_id=site.id, created_at=now)
        db.add(topic)
    _apply(topic, data, now)
    try:
        db.flush()
    except IntegrityError:  # another request took the name between the check and the write
        db.rollback()
        raise _conflict(data.name) from None
    return topic


def get_topic(db: Session, site: Site, topic_id: int) -> ReaderTopic:
    topic = db.get(ReaderTopic, topic_id)
    if topic is None or topic.site_id != site.id:
        raise ApiError(404, "unknown_topic", f"No topic {topic_id}.")
    return topic


def delete_topic(db: Session, site: Site, topic_id: int) -> None:
    """Delete a topic; subscribers who followed it simply stop following it (the join rows cascade)."""
    db.delete(get_topic(db, site, topic_id))
    db.flush()


def site_reader_topics(db: Session, site: Site, active_only: bool = True) -> list[ReaderTopic]:
    """The site's topics in the editors' order (position, then name)."""
    query = select(ReaderTopic).where(ReaderTopic.site_id == site.id)
    if active_only:
        query = query.where(ReaderTopic.active.is_(True))
    return list(db.scalars(query.order_by(ReaderTopic.position, ReaderTopic.name_key)))


def topics_by_names(db: Session, site: Site, names: Iterable[str]) -> list[ReaderTopic]:
    """The site's topics with these exact names, in the site's order."""
    wanted = {name.casefold() for name in names}
    if not wanted:
        return []
    return [t for t in site_reader_topics(db, site, active_only=False) if t.name_key in wanted]


def topic_json(topic: ReaderTopic) -> dict[str, Any]:
    return {
        "id": topic.id,
        "name": topic.name,
        "description": topic.description,
        "match_terms": list(topic.match_terms),
        "labels": list(topic.labels),
        "position": topic.position,
        "active": topic.active,
    }


def count_topics(db: Session, site: Site) -> int:
    return db.scalar(select(func.count()).select_from(ReaderTopic).where(ReaderTopic.site_id == site.id)) or 0


def load_topics_file(
    db: Session, site: Site, path: Path = DEMO_READER_TOPICS, update_existing: bool = True
) -> tuple[int, int, int]:
    """Load a JSON list of topics (see :func:`load_topics`)."""
    return load_topics(db, site, json.loads(path.read_text(encoding="utf-8")), update_existing)


def load_topics(
    db: Session, site: Site, records: Sequence[Mapping[str, Any]], update_existing: bool = True
) -> tuple[int, int, int]:
    """Create or update topics by name, in the records' order; a second load of the same records changes
    nothing. Without ``update_existing`` (the demo loader) a topic that exists is left as editors keep it and
    counted as unchanged. Returns (created, updated, unchanged)."""
    existing = {t.name_key: t for t in site_reader_topics(db, site, active_only=False)}
    created = updated = unchanged = 0
    for position, record in enumerate(records):
        data = parse_topic({"position": position, **record})
        topic = existing.get(data.name.casefold())
        if topic is None:
            save_topic(db, site, data)
            created += 1
        elif update_existing and parse_topic({}, topic) != data:
            save_topic(db, site, data, topic)
            updated += 1
        else:
            unchanged += 1
    return created, updated, unchanged


#: a site without reader topics still lists its categories and tags when there are at most this many
LABEL_LIST_LIMIT = 30


@dataclass(frozen=True)
class Offered:
    """One topic a sign-up or preferences form offers: its name, and a line saying what it covers."""

    name: str
    description: str | None = None


@dataclass(frozen=True)
class TopicChoices:
    """What readers of a site may choose: ``offered`` on the forms; ``allowed`` names (any case) and
    ``ids`` (reader-topic id -> name) accepted when parsing. Category and tag names stay accepted, so
    interests chosen before reader topics existed keep working."""

    offered: list[Offered]
    allowed: list[str]
    ids: dict[int, str]


def topic_choices(db: Session, site: Site, labels: Sequence[str]) -> TopicChoices:
    """The site's choices; ``labels`` are its category and tag names (offered only when the site has no
    reader topics and few labels)."""
    topics = site_reader_topics(db, site)
    offered = [Offered(t.name, t.description) for t in topics]
    if not topics and len(labels) <= LABEL_LIST_LIMIT:
        offered = [Offered(label) for label in labels]
    names = [t.name for t in topics]
    taken = {name.casefold() for name in names}
    return TopicChoices(
        offered, names + [label for label in labels if label.casefold() not in taken], {t.id: t.name for t in topics}
    )
