"""The one validation step for article input (editors' API, bulk, admin forms and feed drafts)."""

from __future__ import annotations

from collections.abc import Mapping
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


def _count(number: Any, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def plain_message(error: Mapping[str, Any]) -> str:
    """One pydantic error in words a person understands (pydantic's own wording only for the unforeseen)."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "required: enter a value"
    if kind == "string_too_short":
        return (
            "required: enter a value"
            if ctx.get("min_length") == 1
            else f"use at least {ctx.get('min_length')} characters"
        )
    if kind == "string_too_long":
        return f"use at most {_count(ctx.get('max_length'), 'character', 'characters')}"
    if kind == "too_long":
        return f"give at most {_count(ctx.get('max_length'), 'item', 'items')}"
    if kind == "too_short":
        return f"give at least {_count(ctx.get('min_length'), 'item', 'items')}"
    if kind == "literal_error":
        return f"choose one of {ctx.get('expected', 'the listed values')}"
    if kind in ("string_type", "str_type"):
        return "enter text"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "enter a whole number"
    if kind in ("float_parsing", "float_type"):
        return "enter a number"
    if kind in ("bool_parsing", "bool_type"):
        return "enter true or false"
    if kind == "list_type":
        return "give a list"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "give an object"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        words = {"greater_than_equal": "at least", "greater_than": "more than", "less_than_equal": "at most"}
        return f"enter a number {words.get(kind, 'less than')} {bound}"
    if kind == "extra_forbidden":
        return "unknown field"
    return str(error["msg"]).removeprefix("Value error, ")


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic errors as ``{"field.path": "message"}``, each in plain words (:func:`plain_message`)."""
    fields: dict[str, str] = {}
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"]) or "body"
        fields.setdefault(path, plain_message(error))
    return fields


def parse_model(model: type[BaseModel], data: Any) -> Any:
    """Validate ``data`` against ``model``; a 422 listing every bad field otherwise."""
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_body", "The body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "invalid_fields", "Some fields are missing or invalid.", field_errors(exc)) from None
