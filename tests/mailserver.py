"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail tests."""
import email
import email.policy
import socket

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Keeper:
    def __init__(self, inbox):
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):
        self.inbox.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                   policy=email.policy.default))
        return "250 OK"


class MailServer:
    """``start()``/``stop()`` on a fixed port, so a test can take the server down and up."""

    def __init__(self):
        self.port = free_port()
        self.inbox = []
        self._controller = None

    def start(self):
        self._controller = Controller(_Keeper(self.inbox), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address):
        return [m for m in self.inbox if address in m["To"]]
