"""Build the OpenAPI 3.1 document from the operation table, the request models and the app's URL map."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from pydantic import BaseModel

from clinicreads.openapi import responses as r
from clinicreads.openapi.operations import OPERATIONS, Operation
from service.http import MAX_ID

VERSION = "1"
_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")

ERROR_MEANINGS = {
    400: "Malformed JSON, a bad query parameter or cursor, a NUL character.",
    401: "No credentials, or unknown, revoked or wrong ones.",
    403: "The resource is another site's, or the key lacks the route's scope.",
    404: "No such resource for this site (or this webhook is not configured).",
    409: "A conflict with what is stored.",
    413: "The body is larger than MAX_BODY_BYTES.",
    415: "The body is not of the media type the route reads.",
    422: "Valid JSON, invalid content: `fields` names each bad field.",
    429: "Too many requests: see Retry-After.",
    502: "The mail server refused the message.",
    503: "A service this request needs is unreachable.",
}

SECURITY_SCHEMES = {
    "apiKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "A site's API key (`cr_<prefix>_<secret>`). Each operation names the scope it needs.",
    },
    "webhookSignature": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Clinic-Reads-Signature",
        "description": "`sha256=<hex HMAC-SHA256 of '<timestamp>.' + body>` with DELIVERY_WEBHOOK_SECRET, sent with "
        "X-Clinic-Reads-Timestamp (Unix seconds, within DELIVERY_WEBHOOK_TOLERANCE_S of now).",
    },
    "postmarkBasic": {"type": "http", "scheme": "basic", "description": "POSTMARK_WEBHOOK_USERNAME and _PASSWORD."},
}
_SECURITY = {"key": "apiKey", "signature": "webhookSignature", "basic": "postmarkBasic"}


def openapi_path(rule: str) -> str:
    """``/a/<int:id>`` as ``/a/{id}``."""
    return _ARG.sub(lambda m: "{" + m.group(2) + "}", rule)


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    found = []
    for converter, name in _ARG.findall(rule):
        if converter == "int":
            schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        else:
            schema = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
        found.append({"name": name, "in": "path", "required": True, "schema": schema})
    return found


class _Components:
    """The request models' schemas, shared under ``components/schemas``."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {"Error": r.ERROR}

    def ref(self, model: type[BaseModel]) -> dict[str, str]:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            self.schemas.setdefault(name, definition)
        self.schemas.setdefault(model.__name__, schema)
        return {"$ref": f"#/components/schemas/{model.__name__}"}


def _error_statuses(op: Operation) -> list[int]:
    statuses = {400, 413, *op.errors}
    if op.auth != "none":
        statuses.add(401)
    if op.auth == "key":
        statuses.add(403)
    if _ARG.search(op.rule) or op.auth in ("signature", "basic"):
        statuses.add(404)
    if op.body is not None or op.body_media != "application/json":
        statuses |= {415, 422}
    if op.auth in ("signature", "basic"):
        statuses.add(422)
    return sorted(statuses)


def _operation(op: Operation, app: Flask, components: _Components) -> dict[str, Any]:
    scope = _scope_of(app, op)
    description = f"API key scope: `{scope}`." if scope else ""
    answer: dict[str, Any] = {
        "operationId": _endpoint_of(app, op),
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _path_parameters(op.rule)
        + [
            {"name": p.name, "in": "query", "required": False, "schema": p.schema, "description": p.description}
            for p in op.query
        ],
        "responses": {},
    }
    if description:
        answer["description"] = description
    if scope:
        answer["x-scope"] = scope
    if op.auth in _SECURITY:
        answer["security"] = [{_SECURITY[op.auth]: []}]
    else:
        answer["security"] = []
    if op.body is not None:
        answer["requestBody"] = {"required": True, "content": {op.body_media: {"schema": components.ref(op.body)}}}
    elif op.method in ("POST", "PUT", "PATCH"):
        answer["requestBody"] = {"required": True, "content": {op.body_media: {"schema": {"type": "string"}}}}
    for status in op.ok:
        if status == 204 or op.response is None:
            answer["responses"][str(status)] = {"description": "Done; no body."}
        else:
            content = {op.media: {"schema": op.response}, **{m: {"schema": s} for m, s in op.extra_media}}
            answer["responses"][str(status)] = {"description": "Success.", "content": content}
    for status in _error_statuses(op):
        answer["responses"][str(status)] = {
            "description": ERROR_MEANINGS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return answer


def _view_for(app: Flask, op: Operation) -> tuple[str, Any] | None:
    for rule in app.url_map.iter_rules():
        if rule.rule == op.rule and op.method in (rule.methods or ()):
            return rule.endpoint, app.view_functions[rule.endpoint]
    return None


def _endpoint_of(app: Flask, op: Operation) -> str:
    found = _view_for(app, op)
    return found[0] if found else f"{op.method.lower()}:{op.rule}"


def _scope_of(app: Flask, op: Operation) -> str | None:
    found = _view_for(app, op)
    return getattr(found[1], "api_scope", None) if found else None


def build_document(app: Flask) -> dict[str, Any]:
    """The whole document; the server URL is left relative, so it works behind any host."""
    components = _Components()
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation(op, app, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Clinic Reads API",
            "version": VERSION,
            "description": "The editors' API (a site's API key) and the public API (the widget and sign-up "
            'forms) of Clinic Reads. Errors share one shape: `{"error": {"code", "message", "fields"}}`. '
            "See docs/api.md.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": components.schemas, "securitySchemes": SECURITY_SCHEMES},
    }
