"""What counts as an email address here: one rule for people, experts, the API, the pages,
the command line and the mailer.

``email-validator`` checks the syntax the mail server will apply later (no DNS lookup,
so an address is checked the same way offline). Only plain ASCII ``local@domain.tld``
addresses are accepted: no display names, quoted local parts, IP-address domains or
international addresses (SMTPUTF8), which a school's mail relay may refuse. Special-use
domains (``.test``, ``.invalid``, ``localhost``…) are refused, as no mail reaches them;
the documentation domains (``example.org``) are accepted, for tests and demos.
"""
from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254


def valid_email(address):
    """Whether ``address`` is a deliverable-looking ``local@domain.tld`` (see module)."""
    if not isinstance(address, str) or not address.isascii() or len(address) > MAX_LENGTH:
        return False
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=False,
                       allow_quoted_local=False, allow_domain_literal=False,
                       allow_display_name=False)
    except EmailNotValidError:
        return False
    return True
