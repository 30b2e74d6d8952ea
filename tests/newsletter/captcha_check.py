"""A captcha verifier for the tests of SIGNUP_CAPTCHA_VERIFIER: accepts one known answer (a real provider's
verifier calls its service with the answer and the client address)."""

from __future__ import annotations

ACCEPTED_ANSWER = "solved-by-a-person"
seen_clients: list[str | None] = []


def verify(answer: str, client_address: str | None) -> bool:
    seen_clients.append(client_address)
    return answer == ACCEPTED_ANSWER
