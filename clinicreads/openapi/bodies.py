"""Pydantic descriptions of the request bodies that their views check by hand (not with a model).

The views stay the authority for these; each model here states the same fields, types and limits, so the
document can describe them. Bodies validated with a pydantic model (articles, feeds, synonyms, delivery events)
are described by that very model, in :mod:`clinicreads.openapi.operations`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from articles.schemas import ArticleIn
from service.http import MAX_ID

Id = Field(ge=1, le=MAX_ID)


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BulkIn(_Closed):
    """``POST /api/v1/articles/bulk``: each item is validated on its own, as ``ArticleIn``."""

    items: list[ArticleIn] = Field(min_length=1, max_length=1000)
    atomic: bool = False


class IdsIn(_Closed):
    """Pins or blocks of an article, in order."""

    ids: list[int] = Field(max_length=20, json_schema_extra={"items": {"type": "integer", "minimum": 1}})


class NeverPairIn(_Closed):
    tag_a: str = Field(min_length=1, max_length=100)
    tag_b: str = Field(min_length=1, max_length=100)


class TopicIn(_Closed):
    """A reader topic (POST; a PATCH sends any of the fields)."""

    name: str = Field(min_length=1, max_length=80)
    description: str | None = Field(None, max_length=200)
    match_terms: list[str] = Field(default_factory=list, max_length=50)
    labels: list[str] = Field(default_factory=list, max_length=20)
    position: int = Field(0, ge=-10_000, le=10_000)
    active: bool = True


class TopicPatch(_Closed):
    name: str | None = Field(None, min_length=1, max_length=80)
    description: str | None = Field(None, max_length=200)
    match_terms: list[str] | None = Field(None, max_length=50)
    labels: list[str] | None = Field(None, max_length=20)
    position: int | None = Field(None, ge=-10_000, le=10_000)
    active: bool | None = None


class SuppressionIn(_Closed):
    email: str = Field(min_length=3, max_length=320)


class ReadingHistoryIn(_Closed):
    reading_history: bool


class DigestTestIn(_Closed):
    subscriber_id: int = Field(ge=1, le=MAX_ID)
    email: str = Field(min_length=3, max_length=320)


class SiteSettingsPatch(_Closed):
    """The site options editors may change (docs/api.md#editors-api-site-settings)."""

    website_url: str | None = Field(None, max_length=2000)
    medical_disclaimer: str | None = Field(None, max_length=1000)
    privacy_url: str | None = Field(None, max_length=2000)
    default_time_zone: str | None = Field(None, max_length=64)


class SignupIn(BaseModel):
    """A newsletter sign-up (JSON; the same fields form-encoded from the sign-up form)."""

    model_config = ConfigDict(extra="allow")

    email: str = Field(min_length=3, max_length=320)
    topics: list[str] | str = Field(default_factory=list)
    interest_text: str | None = Field(None, max_length=200)
    frequency: Literal["daily", "weekly", "monthly"] = "weekly"
    weekday: str | int | None = None
    hour: int | str | None = None
    time_zone: str | None = None
    source: str | None = Field(None, max_length=100)
