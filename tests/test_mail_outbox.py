"""Mail and the outbox: well-formed messages, one copy per key, nothing lost, nothing sent twice."""
import email
import email.policy
from datetime import date, timedelta

import pytest

from tests.mailserver import MailServer
from tracker import mail, outbox
from tracker.models import OutboxMessage
from tracker.models.base import utcnow

CONFIG = {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_DEFAULT_SENDER": "tracker@trust.example",
          "MAIL_RETRY_SECONDS": 60, "MAIL_RETRY_MAX_SECONDS": 3600, "MAIL_GIVE_UP_HOURS": 48,
          "MAIL_TIMEOUT_SECONDS": 5}


@pytest.fixture
def smtp():
    server = MailServer().start()
    yield server
    server.stop()


def smtp_config(server, **kw):
    return {**CONFIG, "MAIL_PORT": server.port, **kw}


def parsed(message):
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def build(**kw):
    values = dict(sender="tracker@trust.example", to_address="laura@school.example", to_name="Laura Reid",
                  subject="2 things need your attention", text="Plain words", html="<p>HTML words</p>")
    values.update(kw)
    return mail.build_message(**values)


# --- building a message --------------------------------------------------------------------

def test_a_message_has_plain_text_and_html_parts_a_message_id_and_a_date():
    message = parsed(build())
    assert message["Subject"] == "2 things need your attention"
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@trust.example>")
    assert message["Date"]
    assert message.get_body(("plain",)).get_content().strip() == "Plain words"
    assert message.get_body(("html",)).get_content().strip() == "<p>HTML words</p>"
    assert message.get_content_type() == "multipart/alternative"


@pytest.mark.parametrize("field", ["to_name", "subject"])
@pytest.mark.parametrize("attack", ["Eve\r\nBcc: victim@evil.example", "Eve\nBcc: victim@evil.example",
                                    "Eve\rBcc: victim@evil.example", "Eve\u2028Bcc: victim@evil.example"])
def test_names_and_subjects_with_line_breaks_cannot_add_headers(field, attack):
    raw = build(**{field: attack}).as_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Bcc"] is None
    assert b"\nBcc:" not in raw and b"\rBcc:" not in raw
    assert "victim@evil.example" in str(message["To" if field == "to_name" else "Subject"])


@pytest.mark.parametrize("address", ["not-an-address", "a@b.example\r\nBcc: x@y.example",
                                     "Eve <eve@evil.example>", "a@b@c.example", ""])
def test_an_address_that_is_not_plain_local_at_domain_is_refused(address):
    with pytest.raises(ValueError):
        build(to_address=address)


def test_a_text_body_without_html_gets_an_escaped_html_part_with_live_links():
    html = mail.text_to_html("Hi <script>,\n\nFollow https://t.example/reset?a=1&b=2 now")
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert '<a href="https://t.example/reset?a=1&amp;b=2">' in html


def test_the_console_backend_prints_the_message_instead_of_sending(capsys):
    mail.send(build(), {"MAIL_BACKEND": "console"})
    out = capsys.readouterr().out
    assert "Subject: 2 things need your attention" in out and "Plain words" in out


# --- queueing ------------------------------------------------------------------------------

def test_queueing_the_same_key_twice_keeps_one_message(session, make):
    user = make.user()
    first = outbox.queue_message(session, kind="nudges", recipient=user, subject="S", text="t",
                                 html="<p>t</p>", key_date=date(2026, 12, 1), subject_key="summary")
    second = outbox.queue_message(session, kind="nudges", recipient=user, subject="S again", text="t",
                                  html="<p>t</p>", key_date=date(2026, 12, 1), subject_key="summary")
    session.commit()
    assert first is not None and second is None
    [message] = session.query(OutboxMessage).all()
    assert message.idempotency_key == f"nudges:summary:{user.id}:2026-12-01"
    assert message.subject == "S" and message.status == "queued"


def test_another_day_or_another_subject_is_another_message(session, make):
    user = make.user()
    for day, key in [(date(2026, 12, 1), "a"), (date(2026, 12, 2), "a"), (date(2026, 12, 1), "b")]:
        assert outbox.queue_message(session, kind="nudges", recipient=user, subject="S", text="t",
                                    html="", key_date=day, subject_key=key)
    session.commit()
    assert session.query(OutboxMessage).count() == 3


def test_a_message_queued_with_text_only_and_a_timestamp_key_is_accepted(session, make):
    user = make.user()
    assert outbox.queue_message(session, kind="password_reset", recipient=user, subject="Choose a new password",
                                text="Go to https://t.example/r/abc", html=None,
                                key_date=utcnow().isoformat(), subject_key=f"reset-{user.id}")
    session.commit()
    assert '<a href="https://t.example/r/abc">' in session.query(OutboxMessage).one().body_html


def test_a_subject_with_line_breaks_is_stored_on_one_line(session, make):
    user = make.user()
    outbox.queue_message(session, kind="nudges", recipient=user, subject="Hi\r\nBcc: x@evil.example",
                         text="t", html="", key_date=date(2026, 12, 1), subject_key="s")
    session.commit()
    assert session.query(OutboxMessage).one().subject == "Hi Bcc: x@evil.example"


# --- sending -------------------------------------------------------------------------------

def queue(session, user, key="s", subject="Hello"):
    outbox.queue_message(session, kind="nudges", recipient=user, subject=subject, text="Plain",
                         html="<p>HTML</p>", key_date=date(2026, 12, 1), subject_key=key)
    session.commit()


def test_sending_delivers_each_queued_message_once_and_marks_it_sent(session, make, smtp):
    user = make.user(name="Laura Reid", email="laura@school.example")
    queue(session, user, "a", "First")
    queue(session, user, "b", "Second")
    report = outbox.send_queued(session, utcnow(), smtp_config(smtp))
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)
    again = outbox.send_queued(session, utcnow() + timedelta(hours=1), smtp_config(smtp))
    assert again.sent == 0
    assert sorted(m["Subject"] for m in smtp.inbox) == ["First", "Second"]
    assert all(m["To"] == "Laura Reid <laura@school.example>" for m in smtp.inbox)
    session.expire_all()
    rows = session.query(OutboxMessage).all()
    assert {m.status for m in rows} == {"sent"}
    assert {m.message_id for m in rows} == {m["Message-ID"] for m in smtp.inbox}


def test_an_unreachable_server_leaves_the_message_queued_with_growing_pauses(session, make, smtp):
    user = make.user()
    queue(session, user)
    smtp.stop()
    start = utcnow()
    first = outbox.send_queued(session, start, smtp_config(smtp))
    assert first.retrying == 1 and first.stopped
    session.expire_all()
    message = session.query(OutboxMessage).one()
    assert message.status == "queued" and message.attempts == 1 and "cannot reach" in message.last_error
    assert message.next_attempt_at == start + timedelta(seconds=60)
    assert outbox.send_queued(session, start + timedelta(seconds=30), smtp_config(smtp)).retrying == 0
    outbox.send_queued(session, start + timedelta(seconds=61), smtp_config(smtp))
    session.expire_all()
    assert session.query(OutboxMessage).one().next_attempt_at == start + timedelta(seconds=61 + 120)
    smtp.start()
    done = outbox.send_queued(session, start + timedelta(seconds=200), smtp_config(smtp))
    assert done.sent == 1 and len(smtp.inbox) == 1


def test_a_message_still_failing_after_the_give_up_time_is_marked_failed(session, make, smtp):
    user = make.user()
    queue(session, user)
    smtp.stop()
    later = utcnow() + timedelta(hours=49)
    report = outbox.send_queued(session, later, smtp_config(smtp))
    assert report.failed == 1
    session.expire_all()
    assert session.query(OutboxMessage).one().status == "failed"


def test_a_failed_message_retried_by_an_admin_is_sent_with_a_fresh_give_up_time(session, make, smtp):
    admin, user = make.user("admin"), make.user()
    queue(session, user)
    smtp.stop()
    outbox.send_queued(session, utcnow() + timedelta(hours=49), smtp_config(smtp))
    message = session.query(OutboxMessage).one()
    outbox.retry_message(session, admin, message.id, utcnow())
    session.commit()
    smtp.start()
    assert outbox.send_queued(session, utcnow(), smtp_config(smtp)).sent == 1
    assert len(smtp.inbox) == 1


def test_a_message_claimed_by_one_sender_is_not_offered_to_another(session, make):
    user = make.user()
    queue(session, user)
    now = utcnow()
    claimed = outbox._claim_next(session, now, CONFIG)
    assert claimed is not None
    assert outbox._claim_next(session, now, CONFIG) is None  # until the claim runs out
    assert outbox._claim_next(session, now + timedelta(seconds=outbox.CLAIM_SECONDS), CONFIG) is not None


def test_backoff_doubles_from_the_first_pause_up_to_the_cap():
    pauses = [outbox.backoff(n, CONFIG).total_seconds() for n in range(1, 10)]
    assert pauses == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


# --- the admin outbox page ------------------------------------------------------------------

@pytest.mark.parametrize("role", ["central_team", "school_lead", "project_lead", "viewer"])
def test_only_admins_see_the_outbox(make, login_as, role):
    school = make.school()
    client = login_as(make.user(role, schools=[school] if role != "central_team" else []))
    assert client.get("/admin/outbox").status_code == 403
    assert client.post("/admin/outbox/1/retry").status_code == 403


def test_the_admin_outbox_lists_messages_by_status_with_retry_for_failed(session, make, login_as):
    admin, user = make.user("admin"), make.user(email="laura@school.example")
    queue(session, user, "a", "Queued one")
    queue(session, user, "b", "Failed one")
    session.query(OutboxMessage).filter_by(subject="Failed one").update(
        {"status": "failed", "last_error": "cannot reach 127.0.0.1:25"})
    session.commit()
    client = login_as(admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Queued one" in page and "Failed one" in page and "cannot reach" in page
    assert page.count(">Retry<") == 1
    failed = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "Failed one" in failed and "Queued one" not in failed
    message = session.query(OutboxMessage).filter_by(subject="Failed one").one()
    response = client.post(f"/admin/outbox/{message.id}/retry", data={"status": "failed"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(OutboxMessage, message.id).status == "queued"


def test_retrying_a_message_that_has_not_failed_says_so(session, make, login_as):
    admin, user = make.user("admin"), make.user()
    queue(session, user)
    message = session.query(OutboxMessage).one()
    client = login_as(admin)
    page = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True).get_data(as_text=True)
    assert "only a failed message can be retried" in page
    assert client.post("/admin/outbox/999999/retry").status_code == 404
    assert client.post(f"/admin/outbox/{2**70}/retry").status_code == 404


def test_an_admin_opens_a_message_and_reads_its_text_recipient_status_and_last_error(
        session, make, login_as):
    admin, user = make.user("admin"), make.user(email="laura@school.example")
    outbox.queue_message(session, kind="nudges", recipient=user, subject="Your <b>week</b>",
                         text="Line one\n<script>alert(1)</script>\nhttps://tracker.example/i/4",
                         html=None, key_date=date(2026, 12, 1), subject_key="week")
    session.query(OutboxMessage).update(
        {"status": "failed", "attempts": 7, "last_error": "550 <mailbox> unknown"})
    session.commit()
    message = session.query(OutboxMessage).one()
    client = login_as(admin)
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert f'href="/admin/outbox/{message.id}"' in listing
    page = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "Line one\n&lt;script&gt;alert(1)&lt;/script&gt;\nhttps://tracker.example/i/4" in page
    assert "<script>alert(1)" not in page and "<b>week</b>" not in page
    assert "Your &lt;b&gt;week&lt;/b&gt;" in page and "laura@school.example" in page
    assert "550 &lt;mailbox&gt; unknown" in page and "<dd>7</dd>" in page
    assert ">Failed<" in page and ">Retry this message<" in page
    assert client.get("/admin/outbox/999999").status_code == 404


def test_the_outbox_page_answers_in_the_same_number_of_queries_whatever_its_size(
        session, make, login_as, count_queries):
    admin, user = make.user("admin"), make.user()
    client = login_as(admin)

    def measure():
        with count_queries() as counter:
            assert client.get("/admin/outbox").status_code == 200
        return counter.count
    queue(session, user, "k0")
    few = measure()
    for n in range(1, 30):
        queue(session, user, f"k{n}")
    assert measure() == few


def test_a_sent_password_reset_keeps_no_usable_link_in_the_outbox(make, session, smtp):
    person = make.user("viewer")
    outbox.queue_message(session, kind="password_reset", recipient=person,
                         subject="Choose a new password",
                         text="Open https://tracker.example/reset/SECRET-TOKEN within 24 hours.",
                         html=None, key_date=date(2026, 12, 1), subject_key="reset-1")
    session.commit()
    report = outbox.send_queued(session, utcnow(), smtp_config(smtp))
    assert report.sent == 1
    (delivered,) = smtp.to(person.email)
    assert "SECRET-TOKEN" in delivered.get_body(("plain",)).get_content()
    stored = session.execute(__import__("sqlalchemy").select(OutboxMessage)).scalar_one()
    session.refresh(stored)
    assert stored.status == "sent"
    assert "SECRET-TOKEN" not in stored.body_text + stored.body_html
