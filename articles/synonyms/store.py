"""Every read and write of a site's synonyms, and their seeding from the site's articles."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from articles.models import Article
from articles.synonyms.models import SiteSynonym
from articles.synonyms.seeding import also_called_pairs
from recommender.text import tokens
from service.errors import ApiError
from service.sites import Site

MAX_WORDS = 8
MAX_PER_SITE = 20_000


def phrase_key(phrase: str) -> str:
    """The phrase as query matching reads it: lower-case words, one space apart."""
    return " ".join(tokens(phrase))


def _has_words(value: str | None) -> str:
    if value is None:  # a PATCH leaves a field out to keep it; null would blank it
        raise ValueError("cannot be null: leave the field out to keep it")
    words = tokens(value)
    if not words:
        raise ValueError("must contain a word of at least two letters or digits")
    if len(words) > MAX_WORDS:
        raise ValueError(f"must be at most {MAX_WORDS} words")
    return value


class SynonymIn(BaseModel):
    """A synonym to add (POST /api/v1/synonyms): ``phrase`` means ``means`` in this site's queries."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phrase: str = Field(min_length=1, max_length=200)
    means: str = Field(min_length=1, max_length=200)

    _words = field_validator("phrase", "means")(_has_words)


class SynonymPatch(BaseModel):
    """Changes to a synonym (PATCH /api/v1/synonyms/<id>); only the fields given change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phrase: str | None = Field(default=None, min_length=1, max_length=200)
    means: str | None = Field(default=None, min_length=1, max_length=200)

    _words = field_validator("phrase", "means")(_has_words)


def list_synonyms(
    db: Session, site: Site, source: str | None = None, offset: int = 0, limit: int = 100
) -> tuple[list[SiteSynonym], int]:
    """One page of the site's synonyms in phrase order, and how many there are in all."""
    where = [SiteSynonym.site_id == site.id] + ([SiteSynonym.source == source] if source else [])
    total = db.scalar(select(func.count()).select_from(SiteSynonym).where(*where)) or 0
    rows = db.scalars(select(SiteSynonym).where(*where).order_by(SiteSynonym.phrase_key).offset(offset).limit(limit))
    return list(rows), total


def get_synonym(db: Session, site: Site, synonym_id: int) -> SiteSynonym:
    synonym = db.get(SiteSynonym, synonym_id)
    if synonym is None or synonym.site_id != site.id:
        raise ApiError(404, "not_found", f"No synonym {synonym_id} on this site.")
    return synonym


def _check_meaning(phrase: str, means: str) -> None:
    if phrase_key(phrase) == phrase_key(means):
        raise ApiError(422, "invalid_fields", "A phrase cannot mean itself.", {"means": "must differ from phrase"})


def _check_free(db: Session, site: Site, key: str, other_than: int | None = None) -> None:
    existing = db.scalar(select(SiteSynonym).where(SiteSynonym.site_id == site.id, SiteSynonym.phrase_key == key))
    if existing is not None and existing.id != other_than:
        raise ApiError(409, "duplicate", f"This site already has a synonym for {key!r} (id {existing.id}).")


def add_synonym(db: Session, site: Site, data: SynonymIn) -> SiteSynonym:
    _check_meaning(data.phrase, data.means)
    key = phrase_key(data.phrase)
    _check_free(db, site, key)
    count = db.scalar(select(func.count()).select_from(SiteSynonym).where(SiteSynonym.site_id == site.id)) or 0
    if count >= MAX_PER_SITE:
        raise ApiError(409, "limit_reached", f"A site keeps at most {MAX_PER_SITE} synonyms.")
    synonym = SiteSynonym(site_id=site.id, phrase=data.phrase, phrase_key=key, means=data.means, source="editor")
    db.add(synonym)
    db.flush()
    return synonym


def update_synonym(db: Session, site: Site, synonym_id: int, patch: SynonymPatch) -> SiteSynonym:
    """Change a synonym; it becomes the editor's own (a later seeding leaves it alone)."""
    synonym = get_synonym(db, site, synonym_id)
    phrase = patch.phrase if patch.phrase is not None else synonym.phrase
    means = patch.means if patch.means is not None else synonym.means
    _check_meaning(phrase, means)
    key = phrase_key(phrase)
    _check_free(db, site, key, other_than=synonym.id)
    synonym.phrase, synonym.phrase_key, synonym.means, synonym.source = phrase, key, means, "editor"
    db.flush()
    return synonym


def delete_synonym(db: Session, site: Site, synonym_id: int) -> None:
    db.delete(get_synonym(db, site, synonym_id))
    db.flush()


def synonym_pairs(db: Session, site_id: int) -> list[tuple[str, str]]:
    """(phrase, means) of every synonym of the site, as :meth:`RelatedIndex.use_synonyms` takes them."""
    rows = db.execute(select(SiteSynonym.phrase, SiteSynonym.means).where(SiteSynonym.site_id == site_id))
    return [(phrase, means) for phrase, means in rows]


def seed_from_articles(db: Session, site: Site) -> dict[str, int]:
    """Make the site's ``also_called`` synonyms those of its published articles' "Also called" names.

    Each name means its article's title; an editor's synonym for the same phrase is kept as it is. Seeded
    rows whose name no article carries any more are dropped. Running it twice changes nothing.
    """
    articles = db.execute(
        select(Article.title, Article.summary).where(Article.site_id == site.id, Article.status == "published")
    ).all()
    wanted: dict[str, tuple[str, str]] = {}
    for name, title in also_called_pairs([(title, summary) for title, summary in articles]):
        key = phrase_key(name)
        if key and len(key.split()) <= MAX_WORDS and key != phrase_key(title):
            wanted.setdefault(key, (name[:200], title[:200]))
    existing = {s.phrase_key: s for s in db.scalars(select(SiteSynonym).where(SiteSynonym.site_id == site.id))}
    counts = {"added": 0, "changed": 0, "unchanged": 0, "removed": 0, "kept_editor": 0}
    for key, (name, title) in wanted.items():
        row = existing.get(key)
        if row is None:
            db.add(SiteSynonym(site_id=site.id, phrase=name, phrase_key=key, means=title, source="also_called"))
            counts["added"] += 1
        elif row.source == "editor":
            counts["kept_editor"] += 1
        elif row.means != title or row.phrase != name:
            row.phrase, row.means = name, title
            counts["changed"] += 1
        else:
            counts["unchanged"] += 1
    stale = [row.id for key, row in existing.items() if row.source == "also_called" and key not in wanted]
    if stale:
        db.execute(delete(SiteSynonym).where(SiteSynonym.id.in_(stale)))
        counts["removed"] = len(stale)
    db.flush()
    return counts
