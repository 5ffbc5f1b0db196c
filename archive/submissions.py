"""Readers' suggestions and reports: the form and its checks against spam.

No third party and no picture puzzle: a field people never see (a honeypot), a minimum time
between opening the form and sending it (a signed timestamp in the form, so no session is
needed), and at most ``SUBMISSION_RATE_LIMIT`` submissions an hour from one address, counted in
the "shared" cache so the limit holds across workers. A failed check keeps what the reader
typed. The reader's address is kept only as a keyed hash, in the cache, for the hour.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from archive.models import Incident, ReaderSubmission, SubmissionKind, new_reference

# Sent with ``submission`` once a reader's submission is saved; the editors' app tells them.
submission_received = Signal()

STARTED_SALT = "archive.submissions.started"
SENT_SALT = "archive.submissions.sent"
RATE_KEY = "archive:submissions:{}"

# Marked here, translated where the form refuses (the English text is also what tests read).
TOO_FAST = gettext_noop(
    "This was sent sooner after the form opened than a person can type it. Nothing was lost: "
    "check what you wrote below and send it again."
)
EXPIRED = gettext_noop(
    "This form was opened too long ago, or it was changed on the way. Nothing was lost: check "
    "what you wrote below and send it again."
)
HONEYPOT = gettext_noop(
    "The field “Leave this field empty” has something in it: it is there to catch automatic "
    "spam. Empty it and send the form again."
)


def started_token(at: float | None = None) -> str:
    """The signed time the form was opened: the server alone can make one."""
    return signing.dumps(at if at is not None else time.time(), salt=STARTED_SALT)


def sent_token(reference: str) -> str:
    return signing.dumps(reference, salt=SENT_SALT)


def sent_reference(token: str) -> str | None:
    """The reference a thank-you address carries, if the server made it in the last day."""
    try:
        return str(signing.loads(token, salt=SENT_SALT, max_age=24 * 60 * 60))
    except signing.BadSignature:
        return None


class SubmissionForm(forms.Form):
    message = forms.CharField(
        label=_("What is wrong or missing"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=5000,
        help_text=_("A figure, a date, a place, a name, or something the entry leaves out."),
    )
    source = forms.CharField(
        label=_("Your source"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=_(
            "A book, article, archival document or web address, with the page if you "
            "have it. If you have none, say how you know."
        ),
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=200, required=False)
    contact = forms.CharField(
        label=_("How we can reach you (optional)"),
        max_length=300,
        required=False,
        help_text=_(
            "An email address or a telephone number. Only the archive's editors see it; "
            "it is never published or exported, and we erase it when you ask."
        ),
    )
    # The honeypot: hidden from people (site.css), filled in by robots that fill in everything.
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, kind: SubmissionKind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.renewed_started = ""
        self.kind = kind
        if kind == SubmissionKind.REPORT:
            self.fields["message"].label = _("What happened")
            self.fields["message"].help_text = _(
                "Where and when, who did it, who the victims were, and how many, as far as "
                "you know."
            )
        if not self.is_bound:
            self.initial["started"] = started_token()
        self.fields["contact"].widget.attrs["autocomplete"] = "email"
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["website"].widget.attrs.update(autocomplete="off", tabindex="-1")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("website"):
            raise forms.ValidationError(gettext(HONEYPOT), code="honeypot")
        token = self.data.get("started", "")
        try:
            started = float(signing.loads(token, salt=STARTED_SALT, max_age=24 * 60 * 60))
        except (signing.BadSignature, TypeError, ValueError):
            self.renewed_started = started_token()
            raise forms.ValidationError(gettext(EXPIRED), code="expired") from None
        if time.time() - started < settings.SUBMISSION_MIN_SECONDS:
            raise forms.ValidationError(gettext(TOO_FAST), code="too_fast")
        return cleaned

    def started_value(self) -> str:
        """The opening time the page carries: a refused form keeps its own, so waiting makes
        it acceptable; one that was forged or expired gets a new one."""
        return self.renewed_started or str(self["started"].value() or "")

    def save(self, *, incident: Incident | None) -> ReaderSubmission:
        data = self.cleaned_data
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    return ReaderSubmission.objects.create(
                        reference=new_reference(),
                        kind=self.kind,
                        incident=incident,
                        message=data["message"],
                        source=data["source"],
                        name=data["name"],
                        contact=data["contact"],
                    )
            except IntegrityError:  # a reference drawn twice: draw again
                continue
        raise RuntimeError("Could not draw an unused submission reference.")


def client_address(request: HttpRequest) -> str:
    """The sender's address, from the header a trusted proxy sets if one is configured (the
    same order the login protection reads), else the connection's own."""
    for header in settings.AXES_IPWARE_META_PRECEDENCE_ORDER:
        value = request.META.get(header, "")
        if value:
            return str(value).split(",")[0].strip()
    return ""


def _rate_key(request: HttpRequest) -> str:
    digest = salted_hmac(
        "archive.submissions.rate", client_address(request), algorithm="sha256"
    ).hexdigest()
    return RATE_KEY.format(digest[:32])


def _recent(request: HttpRequest, now: float) -> list[float]:
    window = settings.SUBMISSION_RATE_WINDOW
    sent: list[float] = caches["shared"].get(_rate_key(request)) or []
    return [at for at in sent if at > now - window]


def retry_after(request: HttpRequest) -> int | None:
    """Seconds until this address may send again, or None while it is under the limit."""
    now = time.time()
    recent = _recent(request, now)
    if len(recent) < settings.SUBMISSION_RATE_LIMIT:
        return None
    oldest = sorted(recent)[-settings.SUBMISSION_RATE_LIMIT]
    return max(1, math.ceil(oldest + settings.SUBMISSION_RATE_WINDOW - now))


def count_submission(request: HttpRequest) -> None:
    """Remember one accepted submission from this address for the window. Two submissions
    at the same instant from one address may both count as the fifth: the cache's get and set
    are not one step everywhere, and one more message is no harm."""
    now = time.time()
    recent = [*_recent(request, now), now]
    caches["shared"].set(_rate_key(request), recent, settings.SUBMISSION_RATE_WINDOW)
