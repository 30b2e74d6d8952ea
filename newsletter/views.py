"""Public newsletter pages and the sign-up endpoint.

- ``GET /newsletter/<site>/form``: an embeddable sign-up form (HTML fragment); ``GET /newsletter/<site>``: the same
  form on a page of its own.
- ``POST /api/v1/sites/<site>/subscribe``: JSON or form-encoded; always 202 "check your inbox" for a valid
  address, whether it is new, pending, confirmed or suppressed (no enumeration).
- ``/newsletter/<site>/confirm/<token>``: GET shows a button, POST confirms. A button rather than confirming on
  GET because mail scanners and link previews open links by themselves.
- ``/newsletter/<site>/preferences/<token>``: the preferences form (CSRF-protected).
- ``GET /newsletter/<site>/suggest?q=``: at most 10 reader topics and article titles containing ``q`` or what it
  means as lay words (JSON),
  for the sign-up search box (``newsletter/static/signup.js``; the forms work without it).
- ``/newsletter/<site>/unsubscribe/<token>`` and ``.../one-click``: GET shows a button, POST unsubscribes at once
  (the one-click URL is the ``List-Unsubscribe`` target: RFC 8058 POST, no cookie or CSRF token).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError

from newsletter import confirmations, signup_guard, subscriptions, welcome
from newsletter.consent import consent_wording
from newsletter.inputs import Preferences, parse_preference_change, parse_signup, time_zones
from newsletter.mail.branding import text_colour_on
from newsletter.models import FREQUENCIES, WEEKDAYS, Subscriber
from newsletter.reader_topics import Offered, TopicChoices, topic_choices
from newsletter.suggest import suggestions
from newsletter.tokens import TokenError
from service import db as database
from service.cors import apply_cors
from service.csrf import csrf
from service.db import utcnow
from service.errors import ApiError
from service.http import json_body
from service.sites import COLOUR_PATTERN, Site, site_by_slug

log = logging.getLogger(__name__)
bp = Blueprint(
    "newsletter_public",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/newsletter/static",
)


@bp.after_request
def _subscribe_cors(response: Response) -> Response:
    if request.endpoint in ("newsletter_public.subscribe", "newsletter_public.subscribe_preflight"):
        return apply_cors(response, methods="POST, OPTIONS", allow_headers="Content-Type, Accept")
    return response


ACCEPTED_MESSAGE = (
    "Thank you. Please check your inbox: if this address can receive our emails, a message "
    "with a link to confirm your subscription is on its way."
)
FIELD_LABELS = {
    "email": "Email address",
    "topics": "Topics",
    "interest_text": "Other interests",
    "frequency": "How often",
    "weekday": "Day",
    "hour": "Time",
    "time_zone": "Time zone",
    "paused": "Pause",
    "source": "Form",
    "captcha_response": "Robot check",
}


def _theme(site: Site) -> dict[str, str]:
    """The brand colour and a readable text colour on it (as the emails have)."""
    colour = (site.brand_colour or "").lower()
    if not COLOUR_PATTERN.match(colour):
        colour = "#0b6e4f"
    return {"colour": colour, "on_colour": text_colour_on(colour)}


def _page(template: str, site: Site, status: int = 200, **context: Any) -> ResponseReturnValue:
    context.setdefault("labels", FIELD_LABELS)
    response = current_app.make_response((render_template(template, site=site, theme=_theme(site), **context), status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # tokens are in these URLs
    return response


def _message(site: Site, heading: str, *paragraphs: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    return _page("newsletter/message.html", site, status, heading=heading, paragraphs=paragraphs, **context)


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


# -- sign-up ---------------------------------------------------------------------------------------------------


def _choices(site: Site) -> TopicChoices:
    db = database.session()
    return topic_choices(db, site, subscriptions.site_topics(db, site))


def _default_zone(site: Site) -> str:
    zone = site.setting("default_time_zone")
    return zone if zone in time_zones() else "UTC"


def _fragment(site: Site) -> str:
    base = _base_url()
    return render_template(
        "newsletter/form_fragment.html",
        site=site,
        theme=_theme(site),
        topics=_choices(site).offered,
        frequencies=FREQUENCIES,
        weekdays=WEEKDAYS,
        default_zone=_default_zone(site),
        consent=consent_wording(site),
        privacy_url=site.setting("privacy_url"),
        action=f"{base}/api/v1/sites/{site.slug}/subscribe",
        suggest_url=f"{base}/newsletter/{site.slug}/suggest",
        script_url=f"{base}/newsletter/static/signup.js",
    )


@bp.get("/newsletter/<slug>/suggest")
def suggest(slug: str) -> ResponseReturnValue:
    """Public, cacheable and cheap (one small query): the search box asks it as the reader types."""
    db = database.session()
    site = site_by_slug(db, slug)
    found = suggestions(db, site, request.args.get("q", ""))
    response = jsonify({"items": [{"kind": s.kind, "label": s.label, "id": s.id} for s in found]})
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/newsletter/<slug>/form")
def form_fragment(slug: str) -> ResponseReturnValue:
    site = site_by_slug(database.session(), slug)
    response = current_app.make_response(_fragment(site))
    response.headers["Access-Control-Allow-Origin"] = "*"  # public markup; lets a clinic's page fetch it
    return response


@bp.get("/newsletter/<slug>")
def signup_page(slug: str) -> ResponseReturnValue:
    site = site_by_slug(database.session(), slug)
    return _page("newsletter/signup_page.html", site, fragment=_fragment(site))


def _wants_page() -> bool:
    """A browser posting the embedded form gets a page; API clients (and Accept: */*) get JSON."""
    return not request.is_json and request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def _signup_data() -> dict[str, Any]:
    if request.is_json:
        body = json_body()
        if not isinstance(body, dict):
            raise ApiError(422, "invalid_body", "Send the sign-up as a JSON object.")
        return body
    if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "Send JSON or a form (application/x-www-form-urlencoded).")
    data: dict[str, Any] = {k: v for k, v in request.form.items() if k != "topics"}
    data["topics"] = request.form.getlist("topics")
    return data


@bp.route("/api/v1/sites/<slug>/subscribe", methods=["OPTIONS"])
def subscribe_preflight(slug: str) -> ResponseReturnValue:
    """A browser on one of the site's allowed origins may POST the sign-up with ``fetch``."""
    g.cors_origins = site_by_slug(database.session(), slug).allowed_origins or []
    return current_app.response_class(status=204)


@bp.post("/api/v1/sites/<slug>/subscribe")
def subscribe(slug: str) -> ResponseReturnValue:
    """Every valid sign-up does the same work before answering, whatever the address: count the rate limits,
    record, commit. The confirmation email is sent after the response (``newsletter.confirmations``)."""
    db = database.session()
    site = site_by_slug(db, slug)
    g.cors_origins = site.allowed_origins or []
    choices = _choices(site)
    config = current_app.config
    data = _signup_data()
    honeypot = data.pop(signup_guard.HONEYPOT_FIELD, None)
    captcha_answer = data.pop(signup_guard.CAPTCHA_FIELD, None)
    try:
        signup = parse_signup(
            data, choices.allowed, request.is_json, choices.ids, default_time_zone=_default_zone(site)
        )
        signup.consent_text = consent_wording(site)
        if not signup_guard.captcha_passes(config, captcha_answer, request.remote_addr):
            raise ApiError(
                422,
                "captcha_failed",
                "Please confirm you are not a robot.",
                {signup_guard.CAPTCHA_FIELD: "The check was not passed; try again."},
            )
    except ApiError as err:
        if _wants_page() and err.status == 422:
            return _message(
                site,
                "Please check your answers",
                status=422,
                errors=err.fields,
                link_url=_back_link(site),
                link_label="Go back",
            )
        raise
    now = utcnow()
    for attempt in (1, 2):
        try:
            limits = signup_guard.check_limits(db, config, request.remote_addr, site.id, signup.email, now)
            if limits.refuse is not None:
                db.commit()
                return _too_many(site, limits.refuse.per_s)
            outcome, subscriber_id = _record_signup(db, site, signup, now, quiet=limits.quiet or bool(honeypot))
            db.commit()
            break
        except IntegrityError:  # the same new address signed up twice at once: the other request created it
            db.rollback()
            if attempt == 2:
                raise
    log.info("sign-up for site %s: %s", site.slug, "honeypot" if honeypot else outcome)
    if _wants_page():
        response = current_app.make_response(_message(site, "Check your inbox", ACCEPTED_MESSAGE, status=202))
    else:
        response = current_app.make_response((jsonify({"status": "accepted", "message": ACCEPTED_MESSAGE}), 202))
    response.call_on_close(_after_response(subscriber_id))
    return response


def _record_signup(db: Any, site: Site, signup: Any, now: Any, quiet: bool) -> tuple[str, int | None]:
    """Record the sign-up unless ``quiet`` (over the per-address limit, or a bot's honeypot); the outcome and the
    id of a subscriber now owed a confirmation."""
    if quiet:
        return "rate_limited", None
    ip = request.remote_addr if site.setting("store_consent_ip") else None
    interval = current_app.config["CONFIRM_RESEND_INTERVAL_S"]
    result = subscriptions.request_subscription(db, site, signup, now, ip, interval)
    owed = result.subscriber.id if result.send_confirmation and result.subscriber is not None else None
    return result.outcome, owed


def _after_response(subscriber_id: int | None) -> Callable[[], None]:
    """Run by the server once the response is sent: mail the confirmation owed (the job retries a failure)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def deliver() -> None:
        if subscriber_id is None:
            return
        try:
            with app.app_context(), database.new_session() as db:
                confirmations.send_owed_confirmation(db, app.config, subscriber_id, utcnow())
        except Exception:  # the response is gone: log it; the digest job sends what is still owed
            log.exception("confirmation for subscriber %s not sent after the response", subscriber_id)

    return deliver


def _too_many(site: Site, retry_after_s: int) -> ResponseReturnValue:
    message = "Too many sign-ups from here just now. Please try again later."
    if _wants_page():
        response = current_app.make_response(_message(site, "Please try again later", message, status=429))
    else:
        response = current_app.make_response((jsonify({"error": {"code": "rate_limited", "message": message}}), 429))
    response.headers["Retry-After"] = str(retry_after_s)
    return response


def _back_link(site: Site) -> str:
    referrer = request.referrer or ""
    return referrer if referrer.startswith(("https://", "http://")) else f"{_base_url()}/newsletter/{site.slug}"


# -- links from emails -------------------------------------------------------------------------------------------


def _resolve(slug: str, purpose: str, token: str) -> tuple[Site, Subscriber | ResponseReturnValue]:
    """The site and the token's subscriber, or the site and a clear error page (400/404) when the link is unusable."""
    db = database.session()
    site = site_by_slug(db, slug)
    max_age = current_app.config["CONFIRM_TOKEN_MAX_AGE_S" if purpose == "confirm" else "LINK_TOKEN_MAX_AGE_S"]
    try:
        subscriber = subscriptions.subscriber_from_token(
            db, site, purpose, token, current_app.config["SECRET_KEY"], max_age
        )
    except TokenError as err:
        log.info("%s link refused for site %s: %s", purpose, site.slug, err.reason)
        hint = (
            "Sign up again to get a new confirmation link."
            if purpose == "confirm" and err.reason == "expired"
            else "Use the most recent email from us, or sign up again."
        )
        page = _message(
            site,
            "This link cannot be used",
            err.message,
            hint,
            status=err.status,
            link_url=f"{_base_url()}/newsletter/{site.slug}",
            link_label="Sign up",
        )
        return site, page
    return site, subscriber


@bp.route("/newsletter/<slug>/confirm/<token>", methods=["GET", "POST"])
@csrf.exempt
def confirm(slug: str, token: str) -> ResponseReturnValue:
    site, found = _resolve(slug, "confirm", token)
    if not isinstance(found, Subscriber):
        return found  # the page saying why the link cannot be used
    subscriber = found
    if request.method != "POST":  # GET and HEAD only show the page
        if subscriber.status == "confirmed":
            return _message(site, "You are subscribed", f"Your subscription to {site.name} is already confirmed.")
        if subscriber.status != "pending":
            return _no_subscription(site)
        return _page("newsletter/confirm.html", site)
    if not subscriptions.confirm(subscriber, utcnow()):
        return _no_subscription(site)
    database.session().commit()
    log.info("subscriber %s of site %s confirmed", subscriber.id, site.slug)
    welcome.send_welcome(database.session(), subscriber, current_app.config, utcnow())
    links = subscriptions.links_for(subscriber, _base_url(), current_app.config["SECRET_KEY"])
    return _message(
        site,
        "Thank you: you are subscribed",
        f"You will receive reading from {site.name} by email.",
        link_url=links["preferences_url"],
        link_label="Choose your topics and when we write",
    )


def _no_subscription(site: Site) -> ResponseReturnValue:
    return _message(
        site,
        "You are not subscribed",
        "This address is not subscribed at the moment.",
        link_url=f"{_base_url()}/newsletter/{site.slug}",
        link_label="Sign up again",
    )


@bp.route("/newsletter/<slug>/unsubscribe/<token>", methods=["GET", "POST"])
@bp.route("/newsletter/<slug>/unsubscribe/<token>/one-click", methods=["GET", "POST"], endpoint="one_click")
@csrf.exempt
def unsubscribe(slug: str, token: str) -> ResponseReturnValue:
    site, found = _resolve(slug, "unsubscribe", token)
    if not isinstance(found, Subscriber):
        return found  # the page saying why the link cannot be used
    subscriber = found
    if request.method != "POST":  # GET and HEAD only show the page
        links = subscriptions.links_for(subscriber, _base_url(), current_app.config["SECRET_KEY"])
        return _page("newsletter/unsubscribe.html", site, action=request.path, preferences_url=links["preferences_url"])
    subscriptions.unsubscribe(subscriber, utcnow())
    database.session().commit()
    log.info(
        "subscriber %s of site %s unsubscribed (%s)",
        subscriber.id,
        site.slug,
        "one-click" if request.form.get("List-Unsubscribe") == "One-Click" else "page",
    )
    return _message(
        site,
        "You are unsubscribed",
        f"We will not email you again from {site.name}.",
        "Changed your mind? You can sign up again at any time.",
        link_url=f"{_base_url()}/newsletter/{site.slug}",
        link_label="Sign up again",
    )


@bp.route("/newsletter/<slug>/preferences/<token>", methods=["GET", "POST"])
def preferences(slug: str, token: str) -> ResponseReturnValue:
    site, found = _resolve(slug, "preferences", token)
    if not isinstance(found, Subscriber):
        return found  # the page saying why the link cannot be used
    subscriber = found
    if subscriber.status not in ("pending", "confirmed"):
        return _no_subscription(site)
    db = database.session()
    choices = _choices(site)
    prefs, errors, saved, status = subscriptions.preferences_of(subscriber), {}, False, 200
    if request.method == "POST":
        data: dict[str, Any] = {k: v for k, v in request.form.items() if k not in ("topics", "csrf_token")}
        data["topics"] = request.form.getlist("topics")
        data["paused"] = "paused" in request.form
        data["reading_history"] = "reading_history" in request.form
        try:
            prefs = parse_preference_change(data, choices.allowed + subscriber.topics, prefs, choices.ids)
        except ApiError as err:
            errors, status = err.fields, 422
        else:
            subscriptions.update_preferences(subscriber, prefs)
            db.commit()
            saved = True
            log.info("subscriber %s of site %s changed preferences", subscriber.id, site.slug)
    return _preferences_page(site, subscriber, prefs, choices.offered, errors, saved, status)


def _preferences_page(
    site: Site,
    subscriber: Subscriber,
    prefs: Preferences,
    offered: list[Offered],
    errors: dict[str, str],
    saved: bool,
    status: int,
) -> ResponseReturnValue:
    """The reader's own choices first (whether or not the site still offers them), then the others."""
    links = subscriptions.links_for(subscriber, _base_url(), current_app.config["SECRET_KEY"])
    chosen_keys = {name.casefold() for name in prefs.topics}
    offered_keys = {o.name.casefold() for o in offered}
    own = [o for o in offered if o.name.casefold() in chosen_keys]
    own += [Offered(name) for name in prefs.topics if name.casefold() not in offered_keys]
    others = [o for o in offered if o.name.casefold() not in chosen_keys]
    return _page(
        "newsletter/preferences.html",
        site,
        status,
        subscriber=subscriber,
        prefs=prefs,
        own_topics=own,
        other_topics=others,
        errors=errors,
        saved=saved,
        frequencies=FREQUENCIES,
        weekdays=WEEKDAYS,
        unsubscribe_url=links["unsubscribe_url"],
        suggest_url=f"{_base_url()}/newsletter/{site.slug}/suggest",
        script_url=f"{_base_url()}/newsletter/static/signup.js",
    )
