"""Small helpers the admin views share: turning domain errors into form errors, flashing results."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_wtf import FlaskForm

from service.errors import ApiError


def add_field_errors(form: FlaskForm, fields: dict[str, Any], fallback: str = "") -> bool:
    """Attach ``{"field.path": message}`` errors to the form's fields; True when any were attached.

    A path like ``tags.2`` lands on the ``tags`` field; errors for fields the form lacks go to ``fallback``
    (or are flashed when there is none).
    """
    attached = False
    for path, message in fields.items():
        name = str(path).split(".", 1)[0]
        text = message if isinstance(message, str) else str(message)
        target = name if name in form else fallback
        if target and target in form:
            form[target].errors = [*form[target].errors, _sentence(text)]
            attached = True
        else:
            flash(_sentence(f"{name}: {text}"), "error")
    return attached


def apply_api_error(form: FlaskForm, err: ApiError, fallback: str = "") -> None:
    """Show a domain error on the form: on its fields when it names them, else as a message."""
    fields = err.fields
    if len(fields) == 1:  # the message is a whole sentence about that one field: show it there
        fields = {next(iter(fields)): err.message}
    if not fields or not add_field_errors(form, fields, fallback):
        flash(err.message, "error")


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?)":
        text += "."
    return text[:1].upper() + text[1:] if text else text
