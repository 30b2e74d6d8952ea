"""``flask --app wsgi sites set SLUG key=value ...``: change a site's options from the command line.

Values are typed as on the settings page (``related_min_score=0.1``, ``click_counting=yes``, an empty value
restores the default); field weights are set one part at a time (``field_weights.title=3``). Every value is
checked first; nothing is saved when one is bad.
"""

from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext

from articles.site_options import change_options, lists_state
from service import audit
from service import db as database
from service.errors import ApiError
from service.sites import site_by_slug

#: who the audit log says acted, for changes made with these commands
CLI_ACTOR = "command line"


def _parse(pairs: tuple[str, ...], current_weights: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise click.UsageError(f"Write each setting as name=value (got {pair!r}).")
        if name.startswith("field_weights."):
            weights = values.setdefault("field_weights", dict(current_weights))
            weights[name.removeprefix("field_weights.")] = value
        else:
            values[name] = value
    return values


@click.command("set")
@with_appcontext
@click.argument("slug")
@click.argument("pairs", nargs=-1, required=True, metavar="NAME=VALUE...")
def sites_set(slug: str, pairs: tuple[str, ...]) -> None:
    """Change a site's options, e.g. ``related_min_score=0.1 field_weights.title=3``.

    The names: related_fallback, related_min_score, related_diversity, related_reviewed_within_months,
    field_weights.<title|summary|body|tags|categories>, click_counting, digest_max_items, digest_min_score,
    digest_send_newest_anyway, overwrite_editor_edits, store_consent_ip, unsubscribe_mailto, website_url,
    medical_disclaimer, privacy_url, default_time_zone.
    """
    with database.new_session() as db:
        audit.act_as(db, CLI_ACTOR)
        try:
            site = site_by_slug(db, slug)
            changed = change_options(db, site, _parse(pairs, site.setting("field_weights")))
        except ApiError as err:
            db.rollback()
            lines = [f"  {name}: {message}" for name, message in sorted(err.fields.items())]
            raise click.ClickException("\n".join([err.message, *lines])) from None
        db.commit()
        for name in sorted(changed):
            click.echo(f"{name} = {site.setting(name)!r}")
        if not changed:
            click.echo("nothing changed")
        state, waiting = lists_state(db, site)
        if state == "updating":
            click.echo(f"related lists updating: {waiting} articles queued for the worker")
        db.commit()
