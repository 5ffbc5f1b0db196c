"""Email to editors: each kind once, to the right person, sent by the worker after the change
commits, and not at all when that person turned the kind off; through Django's locmem backend
and through a real SMTP server the test starts."""

from __future__ import annotations

import socket
import time
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from archive.submissions import started_token
from editorial import services
from editorial.models import NotificationKind, NotificationOptOut
from tests.factories import make_draft, make_user

pytestmark = pytest.mark.django_db


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def sent() -> list[tuple[str, str]]:
    """(recipient, subject) of every message sent so far; the outbox is emptied."""
    messages = [(message.to[0], message.subject) for message in mail.outbox]
    mail.outbox.clear()
    return sorted(messages)


@pytest.fixture
def people():
    return {
        "author": make_user("author", "Contributors", email="author@example.org"),
        "rita": make_user("rita", "Reviewers", email="rita@example.org"),
        "otto": make_user("otto", "Reviewers", email="otto@example.org"),
        "publisher": make_user("publisher", "Publishers", email="publisher@example.org"),
        "desk": make_user("desk", "Data editors", email="desk@example.org"),
    }


def test_each_kind_reaches_the_right_person_once_and_only_after_commit(
    people, client, django_capture_on_commit_callbacks
):
    author, rita = people["author"], people["rita"]
    version = make_draft(author, title="Katyn massacre")

    def step(action) -> list[tuple[str, str]]:
        with django_capture_on_commit_callbacks(execute=True):
            action()
        assert mail.outbox == []  # the worker sends, not the request or the service
        run_worker()
        return sent()

    assert step(lambda: services.version_submit(version=version, user=author, reviewer=rita)) == [
        ("rita@example.org", "[Incident Archive] Please review: Katyn massacre")
    ]
    figure = version.estimates.get()
    assert step(lambda: services.estimate_query(estimate=figure, user=rita, note="p. 12?")) == []
    assert step(
        lambda: services.version_request_changes(version=version, user=rita, comment="See p. 12.")
    ) == [("author@example.org", "[Incident Archive] Sent back to you: Katyn massacre")]
    assert step(
        lambda: services.estimate_answer(estimate=figure, user=author, answer="It is p. 13.")
    ) == [("rita@example.org", f"[Incident Archive] A reply about {services.figure_name(figure)}")]
    services.version_submit(version=version, user=author)
    services.estimate_verify(estimate=figure, user=rita)
    assert step(lambda: services.version_approve(version=version, user=rita)) == [
        ("author@example.org", "[Incident Archive] Approved: Katyn massacre")
    ]
    assert step(lambda: services.version_publish(version=version, user=people["publisher"])) == [
        ("author@example.org", "[Incident Archive] Published: Katyn massacre")
    ]
    data = {"message": "A massacre near Lviv.", "started": started_token(time.time() - 60)}
    reported = step(lambda: client.post(reverse("archive:submit"), data))
    assert len(reported) == 1 and reported[0][0] == "desk@example.org"
    assert reported[0][1].startswith("[Incident Archive] Reader submission R-")


def test_a_reply_in_a_discussion_reaches_everyone_in_it_but_the_writer(
    people, django_capture_on_commit_callbacks
):
    author, rita = people["author"], people["rita"]
    version = services.version_submit(version=make_draft(author), user=author)
    thread = services.thread_open(version=version, user=rita, text="Is the date right?")
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_reply(thread=thread, user=author, text="Yes: 1940.")
    run_worker()
    assert [to for to, _subject in sent()] == ["rita@example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_reply(thread=thread, user=rita, text="Thanks.")
    run_worker()
    message = mail.outbox[0]
    assert message.to == ["author@example.org"] and "Thanks." in message.body
    assert "/admin/notifications/" in message.body  # how to turn it off


def test_nothing_is_queued_when_the_change_rolls_back(people, django_capture_on_commit_callbacks):
    version = make_draft(people["author"])
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.version_submit(version=version, user=people["author"], reviewer=people["rita"])
        raise RuntimeError("the request failed after the service")
    run_worker()
    assert mail.outbox == [] and not DBTaskResult.objects.exists()


def test_a_kind_turned_off_is_not_sent_and_the_others_still_are(
    people, client, django_capture_on_commit_callbacks
):
    author, rita = people["author"], people["rita"]
    client.force_login(author)
    page = client.get(reverse("admin:notification_settings")).content.decode()
    assert page.count('type="checkbox"') == len(NotificationKind) and "author@example.org" in page
    wanted = [kind for kind in NotificationKind if kind != NotificationKind.SENT_BACK]
    client.post(reverse("admin:notification_settings"), {"kind": wanted})
    assert list(NotificationOptOut.objects.values_list("user__username", "kind")) == [
        ("author", "sent_back")
    ]
    version = services.version_submit(version=make_draft(author), user=author)
    with django_capture_on_commit_callbacks(execute=True):
        services.version_request_changes(version=version, user=rita, comment="Check p. 12.")
    run_worker()
    assert sent() == []
    services.version_submit(version=version, user=author)
    for figure in version.estimates.all():
        services.estimate_verify(estimate=figure, user=rita)
    with django_capture_on_commit_callbacks(execute=True):
        services.version_approve(version=version, user=rita)
    run_worker()
    assert [to for to, _subject in sent()] == ["author@example.org"]


def test_a_configured_address_replaces_the_data_editors_for_submissions(
    people, client, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_SUBMISSIONS_TO = ["archive-desk@example.org"]
    data = {"message": "A massacre near Lviv.", "started": started_token(time.time() - 60)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("archive:submit"), data)
    run_worker()
    [message] = mail.outbox
    assert message.to == ["archive-desk@example.org"]
    assert "Lviv" not in message.body  # what the reader wrote stays in the admin


class Collect:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    handler = Collect()
    with socket.socket() as probe:  # a free loopback port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port},
        }
    }
    yield handler
    controller.stop()


def test_notifications_reach_a_real_smtp_server(
    people, smtp_server, django_capture_on_commit_callbacks
):
    author, rita = people["author"], people["rita"]
    version = make_draft(author, title="Katyn massacre")
    with django_capture_on_commit_callbacks(execute=True):
        services.version_submit(version=version, user=author, reviewer=rita)
    assert smtp_server.envelopes == []
    run_worker()
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["rita@example.org"]
    message = message_from_bytes(envelope.content)
    assert str(make_header(decode_header(message["Subject"]))) == (
        "[Incident Archive] Please review: Katyn massacre"
    )
    assert (
        f"/admin/archive/incidentversion/{version.pk}/review/"
        in message.get_payload(decode=True).decode()
    )
    NotificationOptOut.objects.create(user=rita, kind=NotificationKind.ASSIGNED)
    other = make_draft(author)
    with django_capture_on_commit_callbacks(execute=True):
        services.version_submit(version=other, user=author, reviewer=rita)
    run_worker()
    assert len(smtp_server.envelopes) == 1
