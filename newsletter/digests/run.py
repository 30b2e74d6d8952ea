"""Personalised digests: who is due, what each gets, and sending each period's digest exactly once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from articles.models import Article
from articles.related import index_cache
from newsletter import reading
from newsletter.digest_links import make_page_token, page_url
from newsletter.digests import compose, history, ledger
from newsletter.digests.schedule import Period, current_period, due_period
from newsletter.mail import Branding, MailBackendError, SendResult, build_message, make_backend, new_message_id
from newsletter.models import Subscriber
from newsletter.notify import branding_for
from newsletter.subscriptions import links_for, record_bounce
from service.db import utcnow
from service.errors import ApiError
from service.metrics import DIGESTS
from service.sites import Site

log = logging.getLogger(__name__)

#: a claim older than this is taken to belong to a run that died, and is retried
DEFAULT_CLAIM_TIMEOUT = timedelta(minutes=15)


@dataclass
class Due:
    subscriber: Subscriber
    period: Period


def due_subscribers(
    db: Session,
    site: Site,
    now: datetime,
    claim_timeout: timedelta = DEFAULT_CLAIM_TIMEOUT,
    only_ids: Sequence[int] | None = None,
) -> list[Due]:
    """Confirmed, unpaused subscribers whose period's send time has passed and whose period is not settled
    (of ``only_ids`` when given: a batch checks again what was due when it was planned)."""
    query = select(Subscriber).where(*_active(site)).order_by(Subscriber.id)
    if only_ids is not None:
        query = query.where(Subscriber.id.in_(list(only_ids)))
    due = []
    for subscriber in db.scalars(query):
        period = _due_period(subscriber, now)
        if period is not None:
            due.append(Due(subscriber, period))
    settled = ledger.settled_subscribers(db, site.id, {d.subscriber.id: d.period.key for d in due}, claim_timeout)
    return [d for d in due if d.subscriber.id not in settled]


def _active(site: Site) -> tuple[ColumnElement[bool], ...]:
    return Subscriber.site_id == site.id, Subscriber.status == "confirmed", Subscriber.paused.is_(False)


def _due_period(row: Any, now: datetime) -> Period | None:
    """The period ``row`` (a subscriber, or a row of its schedule columns) is due for at ``now``, else None."""
    if row.confirmed_at is not None and row.confirmed_at > now:
        return None
    return due_period(row.frequency, row.weekday, row.hour, row.time_zone, now)


def due_ids_page(
    db: Session, site: Site, now: datetime, claim_timeout: timedelta, after_id: int, limit: int
) -> tuple[list[int], int | None]:
    """The due subscribers among the site's next ``limit`` active subscribers by id after ``after_id`` (keyset
    pagination), and the last id looked at (None when there were none): only the schedule columns are read, so
    planning holds one page at a time whatever the number of subscribers."""
    rows = db.execute(
        select(
            Subscriber.id,
            Subscriber.frequency,
            Subscriber.weekday,
            Subscriber.hour,
            Subscriber.time_zone,
            Subscriber.confirmed_at,
        )
        .where(*_active(site), Subscriber.id > after_id)
        .order_by(Subscriber.id)
        .limit(limit)
    ).all()
    if not rows:
        return [], None
    periods: dict[int, str] = {}
    for row in rows:
        period = _due_period(row, now)
        if period is not None:
            periods[row.id] = period.key
    settled = ledger.settled_subscribers(db, site.id, periods, claim_timeout)
    return [i for i in periods if i not in settled], rows[-1].id


def digest_settings(site: Site) -> compose.Settings:
    return compose.Settings(
        max_items=int(site.setting("digest_max_items")),
        min_score=float(site.setting("digest_min_score")),
        newest_anyway=bool(site.setting("digest_send_newest_anyway")),
        site_name=site.name,
    )


def _candidates(db: Session, site: Site, since: datetime, now: datetime) -> list[compose.DigestCandidate]:
    rows = db.execute(
        select(
            Article.id,
            Article.title,
            Article.canonical_url,
            Article.summary,
            Article.image_url,
            Article.published_at,
            Article.credit,
        )
        .where(
            Article.site_id == site.id,
            Article.status == "published",
            Article.published_at >= since,
            Article.published_at <= now,
        )
        .order_by(Article.published_at.desc())
    ).all()
    return compose.candidate_rows(rows)


def topic_terms(subscriber: Subscriber) -> tuple[str, ...]:
    """The text each followed topic is matched by, aligned with ``subscriber.topics``: a reader topic's
    name, description and match terms; a legacy label by its name, as before."""
    return tuple(topic.query_text() for topic in subscriber.reader_topics) + tuple(subscriber.labels)


def compose_for(db: Session, site: Site, due: Sequence[Due], now: datetime) -> list[compose.Composed]:
    """Compose the digests of ``due`` subscribers (only reads: nothing is sent, recorded or committed)."""
    if not due:
        return []
    sent = ledger.sent_article_ids(db, [d.subscriber.id for d in due])
    readers = [d.subscriber for d in due if d.subscriber.reading_history]
    reads = reading.recent_reads(db, [s.id for s in readers]) if readers else {}
    quiet = history.quiet_topics(db, readers) if readers else {}
    profiles = [
        compose.Profile(
            subscriber_id=d.subscriber.id,
            topics=tuple(d.subscriber.topics),
            topic_terms=topic_terms(d.subscriber),
            text=d.subscriber.interest_text,
            window_start=d.subscriber.last_digest_at or d.period.previous_starts,
            already_sent=frozenset(sent[d.subscriber.id]),
            read=tuple(compose.ReadArticle(i, t) for i, t in reads.get(d.subscriber.id, ())),
            quiet_topics=quiet.get(d.subscriber.id, frozenset()),
        )
        for d in due
    ]
    since = min(p.window_start for p in profiles)  # each profile's own window is applied inside compose()
    index = index_cache.read_index(db, site)  # a reader: no lock, nothing written or committed
    return compose.compose(index, profiles, _candidates(db, site, since, now), digest_settings(site))


def digest_message(
    site: Site,
    subscriber: Subscriber,
    picks: Sequence[compose.Pick],
    config: Mapping[str, Any],
    now: datetime,
    to: str | None = None,
    branding: Branding | None = None,
    send_id: int | None = None,
    message_id: str | None = None,
) -> Any:
    """The digest email; a sending run passes the site's ``branding`` it built once for all its messages and
    the ledger row (``send_id``) the message is claimed under, which its "view in your browser" page shows,
    and the Message-ID recorded with that claim (``message_id``).
    The subject carries the date in the subscriber's time zone.

    Sent elsewhere (``to``: an editor's test), the article links are plain, so nobody's clicks are counted for
    the subscriber.
    """
    base_url, secret = config["PUBLIC_BASE_URL"], config["SECRET_KEY"]
    branding = branding or branding_for(site, base_url)
    links = links_for(subscriber, base_url, secret)
    issue_date = now.astimezone(ZoneInfo(subscriber.time_zone)).date()
    web_url = None
    if send_id is not None:
        token = make_page_token(secret, site.id, send_id, subscriber.email_hash, issue_date)
        web_url = page_url(base_url, site.slug, token)
    items = [
        {
            "title": p.article.title,
            "url": _article_link(subscriber, p.article, base_url, secret) if to is None else p.article.url,
            "summary": p.article.summary,
            "image_url": p.article.image_url,
            "reason": p.reason,
            "credit": p.article.credit,
        }
        for p in picks
    ]
    return build_message(
        "digest",
        branding,
        to or subscriber.email,
        {
            "items": items,
            "preferences_url": links["preferences_url"],
            "issue_date": issue_date,
            "web_url": web_url,
        },
        links["one_click_url"],
        links["mailto"],
        now=now,
        message_id=message_id,
    )


def _article_link(subscriber: Subscriber, article: compose.DigestCandidate, base_url: str, secret: str) -> str:
    """The article's own URL; through a signed per-recipient link when the reader allows reading history."""
    if not subscriber.reading_history or subscriber.id is None:
        return article.url
    token = reading.make_token(secret, subscriber, article.id)
    return f"{base_url.rstrip('/')}/newsletter/{subscriber.site.slug}/read/{token}"


def preview_digest(db: Session, site: Site, subscriber: Subscriber, now: datetime) -> compose.Composed:
    """The digest ``subscriber`` would get at ``now`` (their current period); nothing is sent or recorded."""
    period = current_period(subscriber.frequency, subscriber.weekday, subscriber.hour, subscriber.time_zone, now)
    return compose_for(db, site, [Due(subscriber, period)], now)[0]


def digest_html(
    site: Site, subscriber: Subscriber, digest: compose.Composed, config: Mapping[str, Any], now: datetime
) -> str:
    """The HTML part of the digest email (for previews)."""
    message = digest_message(site, subscriber, digest.picks, config, now)
    return message.get_body(("html",)).get_content()


def send_test_digest(
    db: Session, site: Site, subscriber: Subscriber, address: str, config: Mapping[str, Any], now: datetime
) -> tuple[compose.Composed, SendResult]:
    """Send the digest ``subscriber`` would get now to ``address`` (a check; not recorded in the ledger).

    Returns (the digest, the backend's SendResult). Raises ApiError 409 when there is nothing to send,
    503 when the mail system is unreachable and 502 when the server refuses the message.
    """
    digest = preview_digest(db, site, subscriber, now)
    if digest.skipped:
        raise ApiError(409, "empty_digest", f"Nothing to send now ({digest.skipped}); no email was sent.")
    try:
        with make_backend(config) as backend:
            result = backend.send(digest_message(site, subscriber, digest.picks, config, now, to=address))
    except MailBackendError as exc:
        raise ApiError(503, "mail_unavailable", f"The mail system refused: {exc}") from None
    if not result.ok:
        raise ApiError(502, "mail_refused", f"The mail server refused the test ({result.code}).")
    log.info("test digest of subscriber %s of site %s sent", subscriber.id, site.slug)
    return digest, result


class RunReport:
    def __init__(self, db: Session, site: Site, now: datetime):
        self.row = ledger.DigestRun(site_id=site.id, started_at=now, due=0, sent=0, skipped=0, failed=0, reasons={})
        self.db = db

    def count(self, outcome: str, reason: str | None = None) -> None:
        setattr(self.row, outcome, getattr(self.row, outcome) + 1)
        DIGESTS.labels(outcome).inc()
        if reason:
            reasons = dict(self.row.reasons or {})
            reasons[reason] = reasons.get(reason, 0) + 1
            self.row.reasons = reasons

    def save(self, now: datetime) -> dict[str, Any]:
        self.row.finished_at = now
        self.db.add(self.row)
        self.db.commit()
        return {
            "due": self.row.due,
            "sent": self.row.sent,
            "skipped": self.row.skipped,
            "failed": self.row.failed,
            "reasons": self.row.reasons,
        }


#: reports a site's progress: (site slug, digests handled, digests due)
Progress = Callable[[str, int, int], None]
#: a progress report every this many digests
PROGRESS_EVERY = 100


def send_site_digests(
    db: Session,
    site: Site,
    now: datetime,
    config: Mapping[str, Any],
    claim_timeout: timedelta = DEFAULT_CLAIM_TIMEOUT,
    progress: Progress | None = None,
    page_size: int = 0,
) -> dict[str, Any]:
    """Send every due digest of one site, recorded as one run; each message is claimed, sent and recorded on its
    own. The due subscribers are found by id first (only their ids are held), then loaded, composed and sent
    ``page_size`` at a time (``PLAN_PAGE_SIZE`` when 0), so no more than a page of subscribers and their
    digests is in memory at once."""
    page_size = page_size or PLAN_PAGE_SIZE
    due_ids: list[int] = []
    after: int | None = 0
    while after is not None:
        ids, after = due_ids_page(db, site, now, claim_timeout, after, page_size)
        due_ids.extend(ids)
    report = RunReport(db, site, now)
    report.row.due = len(due_ids)
    done = 0

    def sent_one() -> None:
        nonlocal done
        done += 1
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(due_ids)):
            progress(site.slug, done, len(due_ids))

    for start in range(0, len(due_ids), page_size):
        page = due_subscribers(db, site, now, claim_timeout, only_ids=due_ids[start : start + page_size])
        if not _send_all(db, site, page, now, config, claim_timeout, report, sent_one):
            break
    result = report.save(utcnow())
    log.info("digests for site %s: %s", site.slug, result)
    return result


def send_batch(
    db: Session,
    site: Site,
    due: Sequence[Due],
    now: datetime,
    config: Mapping[str, Any],
    claim_timeout: timedelta = DEFAULT_CLAIM_TIMEOUT,
) -> dict[str, Any]:
    """Compose and send the digests of ``due`` (one site's subscribers), recorded as one run."""
    report = RunReport(db, site, now)
    report.row.due = len(due)
    _send_all(db, site, due, now, config, claim_timeout, report)
    result = report.save(utcnow())
    log.info("digests for site %s: %s", site.slug, result)
    return result


def _send_all(
    db: Session,
    site: Site,
    due: Sequence[Due],
    now: datetime,
    config: Mapping[str, Any],
    claim_timeout: timedelta,
    report: RunReport,
    handled: Callable[[], None] | None = None,
) -> bool:
    """Compose and send the digests of ``due`` into ``report``; False when the mail system is down (stop)."""
    if not due:
        return True
    composed = {c.subscriber_id: c for c in compose_for(db, site, due, now)}
    branding = branding_for(site, config["PUBLIC_BASE_URL"])
    with make_backend(config) as backend:
        for item in due:
            if not _send_one(
                db, site, item, composed[item.subscriber.id], backend, config, now, claim_timeout, report, branding
            ):
                return False
            if handled is not None:
                handled()
    return True


def _send_one(
    db: Session,
    site: Site,
    item: Due,
    digest: compose.Composed,
    backend: Any,
    config: Mapping[str, Any],
    now: datetime,
    claim_timeout: timedelta,
    report: RunReport,
    branding: Branding,
) -> bool:
    """Claim, send and record one digest; False when the mail system is down (stop the batch).

    A message whose outcome is unknown (the connection was lost after its content was sent) keeps its claim:
    it is tried again, under the same Message-ID, once the claim timeout has passed.
    """
    row = ledger.claim(db, site.id, item.subscriber.id, item.period.key, claim_timeout, new_message_id(branding))
    if row is None:
        return True  # another run holds or finished it
    if digest.skipped:
        ledger.finish(db, row, ledger.SKIPPED, message_id=None, detail=digest.skipped)
        report.count("skipped", digest.skipped)
        return True
    try:
        subscriber, picks = item.subscriber, digest.picks
        message = digest_message(
            site, subscriber, picks, config, now, branding=branding, send_id=row.id, message_id=row.message_id
        )
        result = backend.send(message)
    except MailBackendError as exc:
        ledger.finish(db, row, ledger.FAILED, detail=f"mail system: {exc}")
        report.count("failed", "mail_system")
        log.error("digest run for site %s stopped: %s", site.slug, exc)
        return False
    if result.ok:
        _record_sent(db, item.subscriber, digest, now)
        ledger.finish(
            db, row, ledger.SENT, message_id=result.message_id, article_ids=[p.article.id for p in digest.picks]
        )
        report.count("sent")
        return True
    if result.unknown:
        _leave_unknown(db, row, result)
        report.count("failed", "outcome_unknown")
        return True
    if result.permanent:
        record_bounce(db, item.subscriber, result.code, result.error)
    attempts = ledger.MAX_ATTEMPTS if result.permanent else row.attempts
    ledger.finish(db, row, ledger.FAILED, attempts=attempts, detail=f"{result.code}: {result.error}")
    report.count("failed", "bounced" if result.permanent else "temporary")
    return True


def _leave_unknown(db: Session, row: ledger.DigestSend, result: SendResult) -> None:
    """Keep the claim of a message whose outcome is unknown, so it is tried again after the claim timeout; after
    ``MAX_ATTEMPTS`` tries it is recorded as failed (the server may have it; it is not sent again)."""
    if row.attempts >= ledger.MAX_ATTEMPTS:
        ledger.finish(db, row, ledger.FAILED, detail=f"outcome unknown after {row.attempts} tries: {result.error}")
        return
    row.detail = f"outcome unknown, tried again after the claim timeout: {result.error}"
    db.commit()


def _record_sent(db: Session, subscriber: Subscriber, digest: compose.Composed, now: datetime) -> None:
    """Note the digest's articles as sent to ``subscriber`` (one lookup for those sent before, not one each)."""
    subscriber.last_digest_at = now
    ids = [pick.article.id for pick in digest.picks]
    if not ids:
        return
    sent = ledger.SentArticle
    mine = (sent.subscriber_id == subscriber.id, sent.article_id.in_(ids))
    known = set(db.scalars(select(sent.article_id).where(*mine)))
    if known:
        db.execute(update(sent).where(*mine).values(sent_at=now))
    db.add_all(sent(subscriber_id=subscriber.id, article_id=i, sent_at=now) for i in ids if i not in known)


#: active subscribers read per query while planning batches
PLAN_PAGE_SIZE = 5000


def plan_batches(
    db: Session,
    now: datetime,
    batch_size: int,
    claim_timeout: timedelta = DEFAULT_CLAIM_TIMEOUT,
    page_size: int = PLAN_PAGE_SIZE,
) -> Iterator[tuple[int, list[int]]]:
    """The due subscribers of every site in batches of at most ``batch_size``: (site id, subscriber ids) each,
    yielded as the subscribers are read (``page_size`` at a time), so memory does not grow with their number.
    Nothing is claimed: each batch claims its own messages when it sends them."""
    for site in db.scalars(select(Site).order_by(Site.id)).all():
        waiting: list[int] = []
        after: int | None = 0
        while after is not None:
            ids, after = due_ids_page(db, site, now, claim_timeout, after, page_size)
            waiting.extend(ids)
            while len(waiting) >= batch_size:
                yield site.id, waiting[:batch_size]
                del waiting[:batch_size]
        if waiting:
            yield site.id, waiting


def send_due_digests(
    db: Session,
    now: datetime,
    app_config: Mapping[str, Any],
    claim_timeout: timedelta = DEFAULT_CLAIM_TIMEOUT,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The scheduler's job: every site's due digests. One site's failure does not stop the others."""
    results: dict[str, Any] = {}
    for site in db.scalars(select(Site).order_by(Site.id)).all():
        try:
            results[site.slug] = send_site_digests(
                db, site, now, app_config, claim_timeout, progress, int(app_config.get("DIGEST_PLAN_PAGE_SIZE") or 0)
            )
        except Exception as exc:  # recorded per site; the job reports the failure
            db.rollback()
            log.exception("digests for site %s failed", site.slug)
            results[site.slug] = {"error": f"{exc.__class__.__name__}: {exc}"}
    if any("error" in r for r in results.values()):
        raise RuntimeError(f"digest run had failures: {results}")
    return results
