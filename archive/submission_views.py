"""The public forms readers send suggestions and reports with. Never cached (each carries a
CSRF token and answers POST); nothing they receive is shown on any public page."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from archive.models import IncidentVersion, ReaderSubmission, SubmissionKind
from archive.submissions import (
    SubmissionForm,
    count_submission,
    retry_after,
    sent_reference,
    sent_token,
    submission_received,
)

logger = logging.getLogger("archive.submissions")


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def suggest(request: HttpRequest, slug: str) -> HttpResponse:
    """A correction or a source for a published incident."""
    version = (
        IncidentVersion.objects.published().with_incident().filter(incident__slug=slug).first()
    )
    if version is None:
        raise Http404("No published incident at this address.")
    return _submission(request, SubmissionKind.CORRECTION, version)


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """An incident the archive does not have yet."""
    return _submission(request, SubmissionKind.REPORT, None)


def _submission(
    request: HttpRequest, kind: SubmissionKind, version: IncidentVersion | None
) -> HttpResponse:
    context: dict[str, object] = {"kind": kind, "version": version}
    if request.method != "POST":
        reference = sent_reference(request.GET.get("sent", ""))
        if reference is not None:
            return render(
                request, "archive/submission_sent.html", {**context, "reference": reference}
            )
        context["form"] = SubmissionForm(kind=kind)
        return render(request, "archive/submission_form.html", context)
    form = SubmissionForm(request.POST, kind=kind)
    wait = retry_after(request)
    if wait is not None:
        minutes = -(-wait // 60)
        context |= {"form": form, "limited": minutes}
        response = render(request, "archive/submission_form.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
    if not form.is_valid():
        context["form"] = form
        return render(request, "archive/submission_form.html", context, status=400)
    submission = form.save(incident=version.incident if version else None)
    count_submission(request)
    submission_received.send(sender=ReaderSubmission, submission=submission)
    # The reference and the kind only: what a reader wrote stays out of the logs.
    logger.info(
        "reader submission %s",
        submission.reference,
        extra={"event": "reader_submission", "reference": submission.reference, "kind": kind},
    )
    return HttpResponseRedirect(
        f"{request.path}?{urlencode({'sent': sent_token(submission.reference)})}"
    )
