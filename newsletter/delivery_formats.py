"""The delivery-event formats the webhooks accept, each read into :class:`DeliveryEvent` values.

- The generic shape (:class:`DeliveryEventsIn`), documented in docs/subscribers-and-digests.md.
- Amazon SES notifications as Amazon SNS delivers them (``Type``: ``Notification`` whose ``Message`` is the SES
  JSON; ``SubscriptionConfirmation``; ``UnsubscribeConfirmation``). SES's ``notificationType`` and the
  ``eventType`` of SES event publishing are both read.
- Postmark's bounce and spam-complaint webhooks (``RecordType`` ``Bounce`` or ``SpamComplaint``).

A provider's payload that is not a bounce or a complaint (a delivery, an open) is read as no event. A payload
that cannot be read raises :class:`UnreadablePayload`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from newsletter.delivery_events import DeliveryEvent

#: Postmark bounce types that mean the address will never accept mail
POSTMARK_HARD_TYPES = frozenset({"HardBounce", "BadEmailAddress", "ManuallyDeactivated", "SpamNotification"})
#: Postmark bounce types that are temporary
POSTMARK_SOFT_TYPES = frozenset({"Transient", "SoftBounce", "DnsError"})
#: the most events one request may carry
MAX_EVENTS = 500


class UnreadablePayload(ValueError):
    """The body is not in the format the endpoint reads; the message says what is wrong."""


class DeliveryEventIn(BaseModel):
    """One event of the generic shape."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Literal["bounce", "complaint"] = Field(description="What happened to the message.")
    email: str = Field(min_length=3, max_length=320, description="The recipient's address.")
    bounce_type: Literal["hard", "soft"] = Field(
        "hard", description="For a bounce: hard (permanent, suppresses at once) or soft (temporary, counted)."
    )
    site: str | None = Field(
        None, min_length=1, max_length=100, description="The site's slug; without it, every site with the address."
    )
    smtp_code: int | None = Field(None, ge=200, le=599, description="The SMTP reply code, when known.")


class DeliveryEventsIn(BaseModel):
    """The generic webhook body: a list of events."""

    model_config = ConfigDict(extra="forbid")

    events: list[DeliveryEventIn] = Field(min_length=1, max_length=MAX_EVENTS)


def generic_events(body: DeliveryEventsIn) -> list[DeliveryEvent]:
    events = []
    for item in body.events:
        kind = "complaint" if item.type == "complaint" else f"{item.bounce_type}_bounce"
        events.append(DeliveryEvent(kind, item.email, item.site, item.smtp_code))  # type: ignore[arg-type]
    return events


def _object(raw: bytes | str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise UnreadablePayload(f"{what} is not valid JSON.") from None
    if not isinstance(data, dict):
        raise UnreadablePayload(f"{what} must be a JSON object.")
    return data


@dataclass(frozen=True)
class SnsMessage:
    """What an SNS POST carried: its type, the SES events of a notification, and a subscription's URL."""

    type: str
    topic_arn: str
    events: list[DeliveryEvent]
    subscribe_url: str | None = None


SNS_TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")


def sns_message(raw: bytes, header_type: str | None) -> SnsMessage:
    """Read an SNS POST body; ``header_type`` is its ``x-amz-sns-message-type`` header, which must agree."""
    envelope = _object(raw, "The body")
    kind = envelope.get("Type")
    if kind not in SNS_TYPES:
        raise UnreadablePayload(f"Type must be one of {', '.join(SNS_TYPES)}.")
    if header_type is not None and header_type != kind:
        raise UnreadablePayload("The x-amz-sns-message-type header does not match the body's Type.")
    topic = envelope.get("TopicArn")
    if not isinstance(topic, str):
        raise UnreadablePayload("TopicArn is missing.")
    if kind == "SubscriptionConfirmation":
        url = envelope.get("SubscribeURL")
        if not isinstance(url, str) or not url.startswith("https://"):
            raise UnreadablePayload("SubscribeURL is missing.")
        return SnsMessage(kind, topic, [], url)
    if kind == "UnsubscribeConfirmation":
        return SnsMessage(kind, topic, [])
    message = envelope.get("Message")
    if not isinstance(message, str):
        raise UnreadablePayload("Message must be a string holding the SES notification.")
    return SnsMessage(kind, topic, ses_events(_object(message, "Message")))


def _list_id_slug(mail: dict[str, Any]) -> str | None:
    """The site's slug from the original message's ``List-Id: Name <slug.domain>`` header, when SES included it."""
    headers = mail.get("headers")
    if not isinstance(headers, list):
        return None
    for header in headers:
        if isinstance(header, dict) and str(header.get("name", "")).lower() == "list-id":
            value = str(header.get("value", ""))
            inside = value[value.rfind("<") + 1 : value.rfind(">")] if "<" in value else value
            slug = inside.split(".", 1)[0].strip()
            return slug or None
    return None


def _code(diagnostic: Any) -> int | None:
    """The SMTP reply code in an SES ``diagnosticCode`` such as ``smtp; 550 5.1.1 user unknown``."""
    if not isinstance(diagnostic, str):
        return None
    for word in diagnostic.replace(";", " ").split():
        if len(word) == 3 and word.isdigit() and word[0] in "45":
            return int(word)
    return None


def ses_events(notification: dict[str, Any]) -> list[DeliveryEvent]:
    """The bounce or complaint events of one SES notification (none for a delivery or another event)."""
    kind = notification.get("notificationType") or notification.get("eventType")
    mail = notification.get("mail") if isinstance(notification.get("mail"), dict) else {}
    slug = _list_id_slug(mail)  # type: ignore[arg-type]
    if kind == "Bounce":
        bounce = notification.get("bounce")
        if not isinstance(bounce, dict) or not isinstance(bounce.get("bouncedRecipients"), list):
            raise UnreadablePayload("A Bounce notification needs bounce.bouncedRecipients.")
        event_kind = "hard_bounce" if bounce.get("bounceType") == "Permanent" else "soft_bounce"
        return [
            DeliveryEvent(event_kind, str(r.get("emailAddress", "")), slug, _code(r.get("diagnosticCode")))  # type: ignore[arg-type]
            for r in bounce["bouncedRecipients"]
            if isinstance(r, dict)
        ]
    if kind == "Complaint":
        complaint = notification.get("complaint")
        if not isinstance(complaint, dict) or not isinstance(complaint.get("complainedRecipients"), list):
            raise UnreadablePayload("A Complaint notification needs complaint.complainedRecipients.")
        return [
            DeliveryEvent("complaint", str(r.get("emailAddress", "")), slug)
            for r in complaint["complainedRecipients"]
            if isinstance(r, dict)
        ]
    if not isinstance(kind, str):
        raise UnreadablePayload("The SES notification has no notificationType or eventType.")
    return []


def postmark_events(raw: bytes) -> list[DeliveryEvent]:
    """The event of one Postmark bounce or spam-complaint webhook call (none for other record types)."""
    payload = _object(raw, "The body")
    email = payload.get("Email")
    record = payload.get("RecordType")
    kind = payload.get("Type")
    if not isinstance(email, str):
        raise UnreadablePayload("Email is missing.")
    metadata = payload.get("Metadata")
    slug = metadata.get("site") if isinstance(metadata, dict) and isinstance(metadata.get("site"), str) else None
    if record == "SpamComplaint" or kind == "SpamComplaint":
        return [DeliveryEvent("complaint", email, slug)]
    if record not in (None, "Bounce"):
        return []
    if kind in POSTMARK_HARD_TYPES:
        return [DeliveryEvent("hard_bounce", email, slug)]
    if kind in POSTMARK_SOFT_TYPES:
        return [DeliveryEvent("soft_bounce", email, slug)]
    return []
