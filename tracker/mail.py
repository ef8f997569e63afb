"""Email: building a message that cannot carry injected headers, and handing it to SMTP.

Nothing here knows about the database or requests. ``build_message`` turns plain values
into an ``EmailMessage`` with a plain-text and an HTML part; ``send`` delivers it through
the backend the settings name (``MAIL_BACKEND``: ``smtp`` or ``console``).
"""
import re
import smtplib
import ssl
import sys
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tracker.emails import valid_email

#: Control characters (CR, LF and the rest) never reach a header: each becomes a space.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")
MAX_SUBJECT = 200

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates" / "email"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


class MailError(Exception):
    """A message could not be handed over. ``connection`` is true when the fault is the
    server's (unreachable, refusing our login), so no other message would fare better now."""

    def __init__(self, message, *, connection=False):
        super().__init__(message)
        self.connection = connection


def header_text(value, limit=MAX_SUBJECT):
    """``value`` made safe for a header: one line, no control characters, at most ``limit``."""
    text = _CONTROL.sub(" ", str(value or "")).strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def render(template, **context):
    """Render ``templates/email/<template>`` (``.html`` templates are autoescaped)."""
    return _templates.get_template(template).render(**context)


def text_to_html(text):
    """A plain-text body as HTML: escaped, paragraphs kept, web links clickable."""
    from markupsafe import escape

    def paragraph(block):
        escaped = str(escape(block))
        linked = re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', escaped)
        return "<p>" + linked.replace("\n", "<br>\n") + "</p>"

    blocks = [b.strip() for b in re.split(r"\n\s*\n", text or "") if b.strip()]
    return "<!doctype html>\n<html><body>\n" + "\n".join(paragraph(b) for b in blocks) + \
        "\n</body></html>\n"


def build_message(*, sender, to_address, subject, text, html, to_name=None, message_id=None,
                  date=None):
    """An ``EmailMessage`` ready for SMTP: plain-text part, HTML alternative, ``Message-ID``
    and ``Date``. Names and subjects lose any CR/LF, so they cannot add headers.

    Raises ValueError when the recipient is not an email address (``valid_email``), or
    when the sender (the operator's ``MAIL_DEFAULT_SENDER``, which may be a local name such
    as ``tracker@localhost``) holds a line break: ``Address`` refuses that itself.
    """
    if not valid_email(to_address):
        raise ValueError(f"not an email address: {to_address!r}")
    message = EmailMessage()
    message["Subject"] = header_text(subject)
    message["From"] = _address(sender)
    message["To"] = _address(to_address, header_text(to_name, 100) if to_name else "")
    message["Date"] = date or formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id or new_message_id(sender)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies stay away
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def new_message_id(sender):
    """A globally unique ``Message-ID`` in the sender's domain."""
    return make_msgid(domain=sender.rsplit("@", 1)[-1])


def _address(address, name=""):
    local, domain = address.rsplit("@", 1)
    return Address(display_name=name, username=local, domain=domain)


def send(message, config):
    """Deliver ``message`` with the backend ``config["MAIL_BACKEND"]`` names.

    ``console`` prints it to standard output; ``smtp`` connects to ``MAIL_SERVER`` and
    ``MAIL_PORT`` (STARTTLS when ``MAIL_USE_TLS``, login when ``MAIL_USERNAME`` is set).
    Raises MailError when the server cannot be reached or refuses the message.
    """
    backend = config.get("MAIL_BACKEND", "console")
    if backend == "console":
        _print(message)
    elif backend == "smtp":
        _smtp(message, config)
    else:
        raise MailError(f"unknown MAIL_BACKEND {backend!r}")


def _print(message):
    out = sys.stdout
    out.write("-" * 72 + "\n")
    for name in ("Message-ID", "Date", "From", "To", "Subject"):
        out.write(f"{name}: {message[name]}\n")
    out.write("\n" + message.get_body(("plain",)).get_content().rstrip() + "\n")
    out.write("-" * 72 + "\n")
    out.flush()


def _smtp(message, config):
    timeout = config.get("MAIL_TIMEOUT_SECONDS", 20)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=timeout) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected, smtplib.SMTPHeloError,
            smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError, OSError) as error:
        raise MailError(f"cannot reach {config['MAIL_SERVER']}:{config['MAIL_PORT']}: {error}",
                        connection=True) from error
    except smtplib.SMTPException as error:
        raise MailError(f"the mail server refused the message: {error}") from error
