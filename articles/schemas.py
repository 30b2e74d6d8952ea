"""The one validation step for article input (editors' API, bulk, admin forms and feed drafts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from articles.urls import InvalidUrl, canonicalize_url
from service.errors import ApiError

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _iso_datetime(value: Any) -> Any:
    """ISO 8601 strings only (no epoch numbers); a time without zone is taken as UTC."""
    if value is None or isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time, e.g. 2026-03-01T09:30:00Z") from None
    except OverflowError:
        raise ValueError("must fall between the years 1 and 9999 once converted to UTC") from None


IsoDateTime = Annotated[datetime | None, BeforeValidator(_iso_datetime)]


def _http_url(value: str) -> str:
    try:
        return canonicalize_url(value)
    except InvalidUrl as exc:
        raise ValueError(str(exc)) from None


class ArticleIn(BaseModel):
    """A whole article as an editor sends it (POST, PUT, bulk items)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(max_length=2000)
    title: str = Field(min_length=1, max_length=300)
    guid: str | None = Field(default=None, max_length=2000)
    summary: str | None = Field(default=None, max_length=2000)
    body_html: str = Field(default="", max_length=1_000_000)
    author: str | None = Field(default=None, max_length=200)
    credit: str | None = Field(default=None, max_length=300)
    image_url: str | None = Field(default=None, max_length=2000)
    tags: list[Label] = Field(default_factory=list, max_length=50)
    categories: list[Label] = Field(default_factory=list, max_length=20)
    published_at: IsoDateTime = None
    updated_at: IsoDateTime = None
    medically_reviewed_at: IsoDateTime = None
    status: Literal["draft", "published", "retired"] = "published"

    # The validators accept None for ArticlePatch, which inherits them with every field optional.
    @field_validator("url")
    @classmethod
    def _canonical_url(cls, value: str | None) -> str | None:
        return _http_url(value) if value is not None else None

    @field_validator("image_url")
    @classmethod
    def _image_url(cls, value: str | None) -> str | None:
        return _http_url(value) if value else None

    @field_validator("tags", "categories")
    @classmethod
    def _dedupe(cls, values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        seen: dict[str, str] = {}
        for value in values:
            seen.setdefault(value.casefold(), value)
        return list(seen.values())


#: fields every article has: a PATCH may leave them out but not set them to null
NOT_NULLABLE = ("url", "title", "body_html", "tags", "categories", "status")


class ArticlePatch(ArticleIn):
    """Some fields of an article (PATCH): every field optional, the same rules for those given."""

    url: str | None = Field(default=None, max_length=2000)  # type: ignore[assignment]
    title: str | None = Field(default=None, min_length=1, max_length=300)  # type: ignore[assignment]
    body_html: str | None = Field(default=None, max_length=1_000_000)  # type: ignore[assignment]
    tags: list[Label] | None = Field(default=None, max_length=50)  # type: ignore[assignment]
    categories: list[Label] | None = Field(default=None, max_length=20)  # type: ignore[assignment]
    status: Literal["draft", "published", "retired"] | None = None  # type: ignore[assignment]

    @field_validator(*NOT_NULLABLE, mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        """Leaving a field out keeps it; ``null`` would blank a field every article must have, so it is refused."""
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep it")
        return value


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic errors as ``{"field.path": "message"}``."""
    fields: dict[str, str] = {}
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"]) or "body"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        fields.setdefault(path, message)
    return fields


def parse_model(model: type[BaseModel], data: Any) -> Any:
    """Validate ``data`` against ``model``; a 422 listing every bad field otherwise."""
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_body", "The body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "invalid_fields", "Some fields are missing or invalid.", field_errors(exc)) from None
