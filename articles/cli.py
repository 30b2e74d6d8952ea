"""``flask --app wsgi recommender ...``: rebuild related lists, and measure their relevance."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from articles.demo import DEMO_TOPICS, DEV_GOLD
from articles.evaluation import evaluate_topics
from articles.related import updates
from articles.synonyms.store import seed_from_articles
from service import db as database
from service.errors import ApiError
from service.sites import Site, site_by_slug

recommender_cli = AppGroup("recommender", help="Related-articles index and lists.")


@recommender_cli.command("refit")
@click.option("--site", "slug", default=None, help="Only this site (default: every site).")
def refit(slug: str | None) -> None:
    """Refit the TF-IDF index and rebuild every related list from the database."""
    with database.new_session() as db:
        try:
            sites = [site_by_slug(db, slug)] if slug else list(db.scalars(select(Site).order_by(Site.id)))
        except ApiError as err:
            raise click.ClickException(err.message) from None
        for position, site in enumerate(sites, start=1):
            click.echo(f"refitting {site.slug} ({position}/{len(sites)})...", err=True)
            report = updates.refit_site(db, site)
            db.commit()
            click.echo(f"{site.slug}: {report['articles']} articles, {report['indexed']} indexed, {report['seconds']}s")


@recommender_cli.command("seed-synonyms")
@click.argument("slug")
def seed_synonyms(slug: str) -> None:
    """Make SLUG's seeded synonyms its published articles' "Also called" names (editors' own are kept)."""
    with database.new_session() as db:
        try:
            site = site_by_slug(db, slug)
        except ApiError as err:
            raise click.ClickException(err.message) from None
        counts = seed_from_articles(db, site)
        db.commit()
    click.echo(f"{slug}: " + ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items()))


@recommender_cli.command("evaluate")
@click.option(
    "--topics",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=DEMO_TOPICS,
    show_default=True,
    help="Topics as JSON lines (.jsonl or .jsonl.gz).",
)
@click.option(
    "--gold",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=DEV_GOLD,
    show_default=True,
    help="TSV with header topic_id<TAB>related_id.",
)
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 20))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Also write a Markdown report: per topic, the served top K with hit/miss and why.",
)
def evaluate(topics: Path, gold: Path, k: int, as_json: bool, report: Path | None) -> None:
    """Load TOPICS into a throw-away site the way production does and score its lists against GOLD.

    Tuned plain TF-IDF and the index's bare cosine are scored in the same run, overall and per fold.
    """
    if report is not None and not report.parent.is_dir():
        raise click.BadParameter(f"no folder {report.parent}", param_hint="--report")
    result = evaluate_topics(topics, gold, k, report)
    if as_json:
        click.echo(json.dumps(result, sort_keys=True))
        return
    columns = {"served": result, **result["baselines"]}
    click.echo(f"{'metric':<14}" + "".join(f"{name:>14}" for name in columns))
    for metric in (f"precision@{k}", f"recall@{k}", f"ndcg@{k}", "mrr", "map"):
        click.echo(f"{metric:<14}" + "".join(f"{scores[metric]:>14.4f}" for scores in columns.values()))
    for fold in range(len(result["folds"])):
        row = "".join(f"{scores['folds'][fold]:>14.4f}" for scores in columns.values())
        click.echo(f"{f'ndcg@{k} fold {fold}':<14}{row}")
    click.echo(f"{'topics':<14}{result['topics']:>14}")
    click.echo(f"{'articles':<14}{result['articles']:>14}")
    click.echo(f"plain TF-IDF settings: {result['baselines']['plain_tfidf']['settings']}")
    if report is not None:
        click.echo(f"report written to {report}")
