"""The table of routes the hostile-input suite tries, built from the app's own URL map."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from clinicreads.app import create_app

#: endpoints left out, and why
SKIPPED = {
    "feeds_api.poll_now": "fetches the feed's URL over the network",
    "ops.readyz": "answers 503 by design while no scheduler runs (tests/jobs/test_readiness.py)",
    "static": "files",
    "admin.static": "files",
    "newsletter_public.static": "files",
}

#: the public and editors' surface (admin pages need a session and are tried in tests/admin)
PREFIXES = ("/api/", "/widget", "/newsletter/", "/r/", "/healthz", "/readyz", "/metrics")

_ANY = re.compile(r"<any\(([^)]*)\):(\w+)>")


@dataclass(frozen=True)
class Route:
    """One method of one URL rule."""

    method: str
    rule: str
    endpoint: str
    int_args: tuple[str, ...]
    text_args: tuple[str, ...]
    choices: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule}"

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/") or self.rule in ("/healthz", "/readyz", "/metrics")


def routes_of(app: Flask) -> list[Route]:
    """Every method of every rule under ``PREFIXES`` except ``SKIPPED``, in a stable order."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED or not rule.rule.startswith(PREFIXES):
            continue
        choices = tuple(
            (name, tuple(v.strip(" '\"") for v in values.split(","))) for values, name in _ANY.findall(rule.rule)
        )
        choice_names = {name for name, _ in choices}
        int_args = tuple(sorted(n for n in rule.arguments if f"<int:{n}>" in rule.rule))
        text_args = tuple(sorted(n for n in rule.arguments if n not in int_args and n not in choice_names))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append(Route(method, rule.rule, rule.endpoint, int_args, text_args, choices))
    return sorted(found, key=lambda r: (r.rule, r.method))


def all_routes() -> list[Route]:
    """The route table of an app built on a throw-away SQLite path (nothing is connected to)."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{Path(folder) / 'routes.db'}",
                "VAR_DIR": folder,
                "SECRET_KEY": "routes",
                "TESTING": True,
                "PUBLIC_BASE_URL": "http://service.test",
            }
        )
        table = routes_of(app)
        app.extensions["db_engine"].dispose()
    return table
