"""Bounce and complaint webhooks over HTTP: the generic signed shape, SES through SNS, and Postmark."""

from __future__ import annotations

import base64
import copy
import json
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from newsletter.delivery_api import signature_for
from newsletter.models import Subscriber, Suppression
from service import db as database
from tests.conftest import SiteWithKey, add_site

SECRET = "webhook-test-secret"
GENERIC = "/api/v1/webhooks/delivery-events"
SES = "/api/v1/webhooks/ses"
POSTMARK = "/api/v1/webhooks/postmark"

# The shapes below follow the examples in the Amazon SES developer guide ("Amazon SNS notification examples")
# and Postmark's webhook documentation; addresses and ids are the tests' own.
SES_BOUNCE: dict[str, Any] = {
    "notificationType": "Bounce",
    "bounce": {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [
            {
                "emailAddress": "pat@example.com",
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 user unknown",
            }
        ],
        "timestamp": "2026-01-27T14:59:38.237Z",
        "feedbackId": "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000",
        "remoteMtaIp": "127.0.2.0",
        "reportingMTA": "dsn; a4-8.smtp-out.eu-west-1.amazonses.com",
    },
    "mail": {
        "timestamp": "2026-01-27T14:59:38.000Z",
        "source": "news@clinic-a.example.org",
        "sourceArn": "arn:aws:ses:eu-west-1:888888888888:identity/clinic-a.example.org",
        "sourceIp": "127.0.3.0",
        "sendingAccountId": "888888888888",
        "messageId": "0102015fd91a5ca3-93c245fe-e333-46ae-8fed-96160d20cfab-000000",
        "destination": ["pat@example.com"],
        "headersTruncated": False,
        "headers": [
            {"name": "From", "value": "Clinic A <news@clinic-a.example.org>"},
            {"name": "To", "value": "pat@example.com"},
            {"name": "List-Id", "value": "Clinic A <clinic-a.service.test>"},
        ],
        "commonHeaders": {"from": ["Clinic A <news@clinic-a.example.org>"], "to": ["pat@example.com"]},
    },
}

SES_COMPLAINT: dict[str, Any] = {
    "notificationType": "Complaint",
    "complaint": {
        "userAgent": "ExampleCorp Feedback Loop (V0.01)",
        "complainedRecipients": [{"emailAddress": "pat@example.com"}],
        "complaintFeedbackType": "abuse",
        "arrivalDate": "2026-01-27T17:58:48.000Z",
        "timestamp": "2026-01-27T18:00:49.000Z",
        "feedbackId": "000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000",
    },
    "mail": {
        "timestamp": "2026-01-27T17:57:41.000Z",
        "source": "news@clinic-a.example.org",
        "messageId": "000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000",
        "destination": ["pat@example.com"],
    },
}

TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:clinic-reads-bounces"


def sns_envelope(kind: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
    """An SNS HTTP(S) POST body, as in the Amazon SNS developer guide's examples."""
    body: dict[str, Any] = {
        "Type": kind,
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": TOPIC_ARN,
        "Timestamp": "2026-01-27T18:00:50.000Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6b=",
        "SigningCertURL": "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
    }
    if kind == "SubscriptionConfirmation":
        body["Token"] = "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3"
        body["Message"] = (
            f"You have chosen to subscribe to the topic {TOPIC_ARN}.\n"
            "To confirm the subscription, visit the SubscribeURL included in this message."
        )
        body["SubscribeURL"] = (
            f"https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn={TOPIC_ARN}&Token=2336412f37"
        )
    else:
        body["Message"] = json.dumps(message)
        body["UnsubscribeURL"] = (
            "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn="
            f"{TOPIC_ARN}:c9135db0-26c4-47ec-8998-413945fb5a96"
        )
    return body


POSTMARK_BOUNCE: dict[str, Any] = {
    "RecordType": "Bounce",
    "MessageStream": "outbound",
    "ID": 4323372036854775807,
    "Type": "HardBounce",
    "TypeCode": 1,
    "Name": "Hard bounce",
    "Tag": "digest",
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "Metadata": {"site": "clinic-a"},
    "ServerID": 23,
    "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
    "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
    "Email": "pat@example.com",
    "From": "news@clinic-a.example.org",
    "BouncedAt": "2026-01-27T13:28:10.2735393-04:00",
    "DumpAvailable": True,
    "Inactive": True,
    "CanActivate": True,
    "Subject": "Your reading for this week",
    "Content": "Return-Path:....",
}

POSTMARK_COMPLAINT: dict[str, Any] = {
    **POSTMARK_BOUNCE,
    "RecordType": "SpamComplaint",
    "Type": "SpamComplaint",
    "TypeCode": 512,
    "Name": "Spam complaint",
    "Description": "The subscriber explicitly marked this message as spam.",
    "Details": "Test spam complaint details",
}


@pytest.fixture
def webhook_app(app: Flask) -> Flask:
    app.config["DELIVERY_WEBHOOK_SECRET"] = SECRET
    app.config["POSTMARK_WEBHOOK_PASSWORD"] = "pm-password"
    return app


def signed_post(client: FlaskClient, path: str, body: bytes, at: float | None = None, **headers: str) -> Any:
    timestamp = str(int(time.time() if at is None else at))
    return client.post(
        path,
        data=body,
        content_type=headers.pop("content_type", "application/json"),
        headers={
            "X-Clinic-Reads-Timestamp": timestamp,
            "X-Clinic-Reads-Signature": signature_for(SECRET, timestamp, body),
            **headers,
        },
    )


def generic(client: FlaskClient, *events: dict[str, Any]) -> Any:
    return signed_post(client, GENERIC, json.dumps({"events": list(events)}).encode())


def sign_up(client: FlaskClient, slug: str, email: str = "pat@example.com") -> None:
    response = client.post(f"/api/v1/sites/{slug}/subscribe", json={"email": email, "topics": []})
    assert response.status_code == 202, response.get_data(as_text=True)


def rows(app: Flask) -> tuple[dict[tuple[str, str], str], set[tuple[int, str]]]:
    """(site slug, email) -> status, and (site id, reason) of every suppression."""
    with app.app_context():
        with database.new_session() as db:
            subscribers = {(s.site.slug, s.email): s.status for s in db.scalars(select(Subscriber))}
            suppressions = {(s.site_id, s.reason) for s in db.scalars(select(Suppression))}
    return subscribers, suppressions


@pytest.fixture
def two_clinics(webhook_app: Flask, client: FlaskClient) -> tuple[SiteWithKey, SiteWithKey]:
    a = add_site(webhook_app, "clinic-a")
    b = add_site(webhook_app, "clinic-b")
    sign_up(client, "clinic-a")
    sign_up(client, "clinic-b")
    sign_up(client, "clinic-a", "other@example.com")
    return a, b


def test_a_generic_hard_bounce_suppresses_the_address_on_every_site_at_once(
    webhook_app: Flask, client: FlaskClient, two_clinics: tuple[SiteWithKey, SiteWithKey]
) -> None:
    a, b = two_clinics
    response = generic(client, {"type": "bounce", "email": "Pat@Example.com", "bounce_type": "hard", "smtp_code": 550})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {
        "received": 1,
        "outcomes": {"suppressed": 1, "soft_bounce": 0, "unknown_address": 0, "unknown_site": 0, "invalid_address": 0},
    }
    subscribers, suppressions = rows(webhook_app)
    assert subscribers == {
        ("clinic-a", "pat@example.com"): "bounced",
        ("clinic-b", "pat@example.com"): "bounced",
        ("clinic-a", "other@example.com"): "pending",
    }
    assert suppressions == {(a.site.id, "bounce"), (b.site.id, "bounce")}
    counts = client.get("/api/v1/subscribers", headers=a.headers).get_json()["counts"]
    assert counts["bounced"] == 1 and counts["pending"] == 1
    sign_up(client, "clinic-a")  # a new sign-up of a suppressed address changes nothing
    assert rows(webhook_app)[0][("clinic-a", "pat@example.com")] == "bounced"


def test_a_generic_complaint_naming_a_site_touches_only_that_site(
    webhook_app: Flask, client: FlaskClient, two_clinics: tuple[SiteWithKey, SiteWithKey]
) -> None:
    a, b = two_clinics
    response = generic(client, {"type": "complaint", "email": "pat@example.com", "site": "clinic-b"})
    assert response.status_code == 200
    subscribers, suppressions = rows(webhook_app)
    assert subscribers[("clinic-b", "pat@example.com")] == "complained"
    assert subscribers[("clinic-a", "pat@example.com")] == "pending"
    assert suppressions == {(b.site.id, "complaint")}
    assert client.get("/api/v1/subscribers", headers=b.headers).get_json()["counts"]["complained"] == 1


def test_a_soft_bounce_is_counted_and_three_mark_the_address_bounced(
    webhook_app: Flask, client: FlaskClient, two_clinics: tuple[SiteWithKey, SiteWithKey]
) -> None:
    event = {"type": "bounce", "email": "other@example.com", "bounce_type": "soft", "smtp_code": 552}
    for expected in ("pending", "pending", "bounced"):
        response = generic(client, event)
        assert response.get_json()["outcomes"]["soft_bounce"] == 1
        assert rows(webhook_app)[0][("clinic-a", "other@example.com")] == expected
    assert rows(webhook_app)[1] == set()  # counted, never suppressed


def test_unknown_addresses_sites_and_bad_addresses_are_reported_not_applied(
    webhook_app: Flask, client: FlaskClient, two_clinics: tuple[SiteWithKey, SiteWithKey]
) -> None:
    response = generic(
        client,
        {"type": "bounce", "email": "nobody@example.com"},
        {"type": "complaint", "email": "pat@example.com", "site": "no-such-clinic"},
        {"type": "bounce", "email": "not an address"},
    )
    outcomes = response.get_json()["outcomes"]
    assert (outcomes["unknown_address"], outcomes["unknown_site"], outcomes["invalid_address"]) == (1, 1, 1)
    assert rows(webhook_app)[1] == set()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": []}, "events"),
        ({"events": [{"type": "opened", "email": "pat@example.com"}]}, "events.0.type"),
        ({"events": [{"type": "bounce"}]}, "events.0.email"),
        ({"events": [{"type": "bounce", "email": "pat@example.com", "extra": 1}]}, "events.0.extra"),
        ({"event": {}}, "event"),
    ],
)
def test_a_signed_body_of_the_wrong_shape_is_422_and_changes_nothing(
    webhook_app: Flask, client: FlaskClient, two_clinics: Any, body: dict[str, Any], field: str
) -> None:
    before = rows(webhook_app)
    response = signed_post(client, GENERIC, json.dumps(body).encode())
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert rows(webhook_app) == before


def test_unsigned_forged_and_replayed_calls_are_refused(
    webhook_app: Flask, client: FlaskClient, two_clinics: Any
) -> None:
    body = json.dumps({"events": [{"type": "complaint", "email": "pat@example.com"}]}).encode()
    before = rows(webhook_app)
    unsigned = client.post(GENERIC, data=body, content_type="application/json")
    assert unsigned.status_code == 401 and unsigned.get_json()["error"]["code"] == "missing_signature"
    timestamp = str(int(time.time()))
    forged = client.post(
        GENERIC,
        data=body,
        content_type="application/json",
        headers={
            "X-Clinic-Reads-Timestamp": timestamp,
            "X-Clinic-Reads-Signature": signature_for("another-secret", timestamp, body),
        },
    )
    assert forged.status_code == 401 and forged.get_json()["error"]["code"] == "invalid_signature"
    tampered_body = body.replace(b"pat@", b"kim@")
    tampered = client.post(
        GENERIC,
        data=tampered_body,
        content_type="application/json",
        headers={
            "X-Clinic-Reads-Timestamp": timestamp,
            "X-Clinic-Reads-Signature": signature_for(SECRET, timestamp, body),
        },
    )
    assert tampered.status_code == 401
    replayed = signed_post(client, GENERIC, body, at=time.time() - 301)
    assert replayed.status_code == 401 and replayed.get_json()["error"]["code"] == "stale_timestamp"
    future = signed_post(client, GENERIC, body, at=time.time() + 301)
    assert future.status_code == 401
    assert rows(webhook_app) == before
    assert signed_post(client, GENERIC, body, at=time.time() - 250).status_code == 200


def test_without_a_secret_the_signed_webhooks_are_off(app: Flask, client: FlaskClient) -> None:
    response = signed_post(client, GENERIC, b'{"events": [{"type": "bounce", "email": "pat@example.com"}]}')
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "webhook_not_configured"
    assert client.post(POSTMARK, json=POSTMARK_BOUNCE).status_code == 404


def test_an_ses_bounce_through_sns_suppresses_the_site_named_in_its_list_id(
    webhook_app: Flask, client: FlaskClient, two_clinics: tuple[SiteWithKey, SiteWithKey]
) -> None:
    a, _ = two_clinics
    body = json.dumps(sns_envelope("Notification", SES_BOUNCE)).encode()
    response = signed_post(
        client, SES, body, content_type="text/plain; charset=UTF-8", **{"x-amz-sns-message-type": "Notification"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["outcomes"]["suppressed"] == 1
    subscribers, suppressions = rows(webhook_app)
    assert subscribers[("clinic-a", "pat@example.com")] == "bounced"
    assert subscribers[("clinic-b", "pat@example.com")] == "pending"
    assert suppressions == {(a.site.id, "bounce")}


def test_an_ses_complaint_without_headers_applies_to_every_site_with_the_address(
    webhook_app: Flask, client: FlaskClient, two_clinics: Any
) -> None:
    body = json.dumps(sns_envelope("Notification", SES_COMPLAINT)).encode()
    response = signed_post(client, SES, body, content_type="text/plain; charset=UTF-8")
    assert response.status_code == 200
    subscribers, _ = rows(webhook_app)
    assert subscribers[("clinic-a", "pat@example.com")] == "complained"
    assert subscribers[("clinic-b", "pat@example.com")] == "complained"


def test_an_ses_soft_bounce_and_a_delivery_do_not_suppress(
    webhook_app: Flask, client: FlaskClient, two_clinics: Any
) -> None:
    transient = copy.deepcopy(SES_BOUNCE)
    transient["bounce"]["bounceType"] = "Transient"
    delivery = {"notificationType": "Delivery", "mail": SES_BOUNCE["mail"], "delivery": {"recipients": []}}
    for message in (transient, delivery):
        body = json.dumps(sns_envelope("Notification", message)).encode()
        assert signed_post(client, SES, body).status_code == 200
    subscribers, suppressions = rows(webhook_app)
    assert subscribers[("clinic-a", "pat@example.com")] == "pending" and suppressions == set()


def test_an_sns_subscription_confirmation_answers_its_subscribe_url(
    webhook_app: Flask, client: FlaskClient, two_clinics: Any
) -> None:
    envelope = sns_envelope("SubscriptionConfirmation")
    body = json.dumps(envelope).encode()
    response = signed_post(client, SES, body, **{"x-amz-sns-message-type": "SubscriptionConfirmation"})
    assert response.status_code == 200
    assert response.get_json() == {
        "type": "SubscriptionConfirmation",
        "topic_arn": TOPIC_ARN,
        "subscribe_url": envelope["SubscribeURL"],
    }


@pytest.mark.parametrize(
    ("envelope", "header"),
    [
        ({"Type": "Notification", "TopicArn": TOPIC_ARN, "Message": "not json"}, None),
        ({"Type": "Notice", "TopicArn": TOPIC_ARN, "Message": "{}"}, None),
        (
            {"Type": "Notification", "TopicArn": TOPIC_ARN, "Message": json.dumps(SES_BOUNCE)},
            "SubscriptionConfirmation",
        ),
        ({"Type": "Notification", "TopicArn": TOPIC_ARN, "Message": json.dumps({"bounce": {}})}, None),
        ({"Type": "Notification", "TopicArn": TOPIC_ARN, "Message": json.dumps({"notificationType": "Bounce"})}, None),
    ],
)
def test_an_unreadable_sns_message_is_422_and_changes_nothing(
    webhook_app: Flask, client: FlaskClient, two_clinics: Any, envelope: dict[str, Any], header: str | None
) -> None:
    before = rows(webhook_app)
    extra = {"x-amz-sns-message-type": header} if header else {}
    response = signed_post(client, SES, json.dumps(envelope).encode(), **extra)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_payload"
    assert rows(webhook_app) == before


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_a_postmark_hard_bounce_and_spam_complaint_with_basic_auth(
    webhook_app: Flask, client: FlaskClient, two_clinics: tuple[SiteWithKey, SiteWithKey]
) -> None:
    a, _ = two_clinics
    response = client.post(POSTMARK, json=POSTMARK_BOUNCE, headers=_basic("postmark", "pm-password"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert rows(webhook_app)[0][("clinic-a", "pat@example.com")] == "bounced"
    complaint = {**POSTMARK_COMPLAINT, "Email": "other@example.com", "Metadata": {}}
    response = client.post(POSTMARK, json=complaint, headers=_basic("postmark", "pm-password"))
    assert response.get_json()["outcomes"]["suppressed"] == 1
    subscribers, suppressions = rows(webhook_app)
    assert subscribers[("clinic-a", "other@example.com")] == "complained"
    assert subscribers[("clinic-b", "pat@example.com")] == "pending"
    assert suppressions == {(a.site.id, "bounce"), (a.site.id, "complaint")}


def test_postmark_calls_without_the_right_password_are_refused(
    webhook_app: Flask, client: FlaskClient, two_clinics: Any
) -> None:
    before = rows(webhook_app)
    for headers in ({}, _basic("postmark", "wrong"), _basic("other", "pm-password"), {"Authorization": "Basic %%%"}):
        response = client.post(POSTMARK, json=POSTMARK_BOUNCE, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "invalid_credentials"
    assert rows(webhook_app) == before


def test_ses_event_publishing_and_an_unsubscribe_confirmation(
    webhook_app: Flask, client: FlaskClient, two_clinics: Any
) -> None:
    published = {key: value for key, value in SES_COMPLAINT.items() if key != "notificationType"}
    published["eventType"] = "Complaint"
    body = json.dumps(sns_envelope("Notification", published)).encode()
    assert signed_post(client, SES, body).get_json()["outcomes"]["suppressed"] == 1
    assert rows(webhook_app)[0][("clinic-a", "pat@example.com")] == "complained"
    envelope = {**sns_envelope("Notification", {}), "Type": "UnsubscribeConfirmation"}
    response = signed_post(client, SES, json.dumps(envelope).encode())
    assert response.status_code == 200 and response.get_json()["type"] == "UnsubscribeConfirmation"
