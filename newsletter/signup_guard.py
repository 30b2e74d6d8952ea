"""Abuse limits on the public sign-up: rate limits, the honeypot field and the optional captcha hook.

- Rate limits (database counters, so they hold across every web worker): per client address and per site
  (answered 429), and per email address (answered as usual, but no mail goes out: the person named cannot be
  flooded, and the answer still says nothing about the address).
- The honeypot: a field people never see (:data:`HONEYPOT_FIELD`); a sign-up that fills it is answered as usual
  and recorded nowhere.
- The captcha hook: ``SIGNUP_CAPTCHA_VERIFIER`` names ``module:function``, called as
  ``function(answer, client_address)`` with the form's :data:`CAPTCHA_FIELD` and returning True for a person.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from service.rate_limits import Limit, hit

HONEYPOT_FIELD = "website"
CAPTCHA_FIELD = "captcha_response"
#: fields of the sign-up that are not the person's choices (taken out before the choices are checked)
FORM_EXTRAS = (HONEYPOT_FIELD, CAPTCHA_FIELD)
HOUR_S = 3600
DAY_S = 24 * HOUR_S

CaptchaVerifier = Callable[[str, "str | None"], bool]


@dataclass(frozen=True)
class LimitCheck:
    """``refuse``: answer 429 (client or site limit); ``quiet``: answer as usual but send nothing (email limit)."""

    refuse: Limit | None
    quiet: bool


def signup_limits(config: Mapping[str, Any]) -> tuple[Limit, Limit, Limit]:
    return (
        Limit("signup-client", int(config["SIGNUP_LIMIT_PER_CLIENT"]), HOUR_S),
        Limit("signup-site", int(config["SIGNUP_LIMIT_PER_SITE"]), HOUR_S),
        Limit("signup-email", int(config["SIGNUP_LIMIT_PER_EMAIL"]), DAY_S),
    )


def check_limits(
    db: Session, config: Mapping[str, Any], client: str | None, site_id: int, email: str, now: datetime
) -> LimitCheck:
    """Count this sign-up in all three limits (every request does the same work) and say what to do."""
    by_client, by_site, by_email = signup_limits(config)
    secret = str(config["SECRET_KEY"])
    counts = (
        hit(db, by_client, client or "unknown", secret, now),
        hit(db, by_site, str(site_id), secret, now),
        hit(db, by_email, f"{site_id}:{email}", secret, now),
    )
    refuse = by_client if counts[0] > by_client.count else by_site if counts[1] > by_site.count else None
    return LimitCheck(refuse=refuse, quiet=counts[2] > by_email.count)


@lru_cache(maxsize=4)
def _load_verifier(ref: str) -> CaptchaVerifier:
    module_name, _, name = ref.partition(":")
    verifier = getattr(importlib.import_module(module_name), name)
    if not callable(verifier):
        raise TypeError(f"SIGNUP_CAPTCHA_VERIFIER {ref} is not callable")
    return verifier


def captcha_passes(config: Mapping[str, Any], answer: Any, client: str | None) -> bool:
    """True when no verifier is configured, or when the configured one accepts ``answer``."""
    ref = str(config.get("SIGNUP_CAPTCHA_VERIFIER") or "").strip()
    if not ref:
        return True
    if not isinstance(answer, str) or not answer.strip() or len(answer) > 4096:
        return False
    return bool(_load_verifier(ref)(answer.strip(), client))
