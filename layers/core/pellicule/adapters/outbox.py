"""Sending e-mail through SES: one message shape and one send, for every function that mails
(sign-in links, daily digests). Plain text and HTML parts, UTF-8; no tracking of any kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pellicule.adapters import aws


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


def client() -> Any:
    """The SES client (created once per execution environment, on first use)."""
    return aws.client("ses")


def send(ses: Any, sender: str, recipient: str, message: Message) -> None:
    ses.send_email(
        Source=sender,
        Destination={"ToAddresses": [recipient]},
        Message={
            "Subject": {"Data": message.subject, "Charset": "UTF-8"},
            "Body": {
                "Text": {"Data": message.text, "Charset": "UTF-8"},
                "Html": {"Data": message.html, "Charset": "UTF-8"},
            },
        },
    )
