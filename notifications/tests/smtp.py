"""A real SMTP server for the tests (aiosmtpd) on a loopback port, in a thread: it keeps what it
received and may refuse the first letters with 451 (try again later), as a busy server does."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Letter:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"]).strip()  # a folded header starts with its fold

    @property
    def body(self) -> str:
        return self.message.get_body(("plain",)).get_content()


@dataclass
class Mailbox:
    refuse: int = 0  # answer 451 to this many letters first
    letters: list[Letter] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refused < self.refuse:
            self.refused += 1
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.letters.append(Letter(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def wait(self, count: int, seconds: float = 10.0) -> list[Letter]:
        """The letters once `count` have come (or what came within `seconds`)."""
        deadline = time.monotonic() + seconds
        while len(self.letters) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.letters)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=free_port())

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port
