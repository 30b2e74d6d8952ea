"""``flask --app wsgi backup create|restore``: the database and the secret key in one archive."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from clinicreads import __version__
from clinicreads.backup import BackupError, create_backup, restore_backup

backup_cli = AppGroup("backup", help="Back up and restore the database and the secret key.")


def _default_target() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(current_app.config["VAR_DIR"]) / "backups" / f"clinicreads-{stamp}.tar.gz"


@backup_cli.command("create")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Archive to write (default <VAR_DIR>/backups/clinicreads-<UTC time>.tar.gz).",
)
def backup_create(output: Path | None) -> None:
    """Write a consistent snapshot of the database and the secret key into one .tar.gz archive (mode 600)."""
    target = output or _default_target()
    try:
        manifest = create_backup(current_app.config, target, __version__)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup of the {manifest.dialect} database and the secret key written to {target}")


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds sites.")
def backup_restore(archive: Path, force: bool) -> None:
    """Restore the database and the secret key from ARCHIVE (stop the service first)."""
    try:
        manifest, key_written = restore_backup(current_app.config, archive, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"restored the {manifest.dialect} database of a Clinic Reads {manifest.version} backup ({manifest.created_at})"
    )
    if key_written:
        click.echo(f"secret key restored to {Path(current_app.config['VAR_DIR']) / 'secret_key'}")
    else:
        click.echo("SECRET_KEY is set and matches the archived key")
    click.echo("next: flask --app wsgi db upgrade (if this version is newer), then start the service")
