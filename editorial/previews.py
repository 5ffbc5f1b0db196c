"""Admin import previews waiting for their confirmation.

A preview keeps its upload in ``IMPORT_PREVIEW_DIR`` under a random name and puts a signed
token in the page instead of a file name. The token names that file and its digest, the
user, the session (as a keyed hash, never the session key itself), the model and the
resource, and it expires after ``IMPORT_PREVIEW_MAX_AGE`` seconds. The confirm step imports
only the file that a valid token of the same user and session names; anything else is
refused and deletes nothing. A preview's file goes when its import is confirmed, whatever
the outcome, when the preview finds the file cannot be imported, and once it is older than
the limit (``previews_expire``, run by every import request).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext

from archive.sizes import size_text
from editorial.tabular import UploadRefused

SALT = "editorial.previews.confirm-import"
STORED_NAME = re.compile(r"[A-Za-z0-9_-]{22}\.upload")  # the names ``preview_store`` gives


class PreviewRefused(Exception):
    """The confirm step cannot go on; the message says why. Nothing was imported."""


@dataclass(frozen=True)
class Preview:
    path: Path
    digest: str  # SHA-256 of the file as uploaded
    name: str  # the file's name on the editor's computer
    format: str
    resource: int  # which of the admin's resources

    def open(self) -> BinaryIO:
        return self.path.open("rb")

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def preview_folder() -> Path:
    folder = Path(settings.IMPORT_PREVIEW_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def preview_store(*, upload: UploadedFile, format_name: str, resource: int) -> Preview:
    """Copy ``upload`` into the preview folder under a new random name, hashing it."""
    path = preview_folder() / f"{secrets.token_urlsafe(16)}.upload"
    digest, size, limit = hashlib.sha256(), 0, settings.IMPORT_MAX_BYTES
    try:
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
            for block in upload.chunks():
                size += len(block)
                if size > limit:
                    raise UploadRefused(
                        gettext(
                            "“{name}” is larger than {size}, the limit for an import. Split it "
                            "into "
                            "smaller files."
                        ).format(name=upload.name, size=size_text(limit))
                    )
                digest.update(block)
                file.write(block)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    # A file part without a name never reaches a form's FileField, so name is always set.
    return Preview(path, digest.hexdigest(), upload.name or "", format_name, resource)


def session_digest(request: HttpRequest) -> str:
    if request.session.session_key is None:
        request.session.save()
    return salted_hmac(SALT, request.session.session_key or "", algorithm="sha256").hexdigest()


def preview_token(preview: Preview, *, request: HttpRequest, model: type[Model]) -> str:
    return signing.dumps(
        {
            "file": preview.path.name,
            "digest": preview.digest,
            "name": preview.name,
            "format": preview.format,
            "resource": preview.resource,
            "user": request.user.pk,
            "session": session_digest(request),
            "model": model._meta.label_lower,
        },
        salt=SALT,
        compress=True,
    )


def preview_open(token: str, *, request: HttpRequest, model: type[Model]) -> Preview:
    """The preview that ``token`` stands for, if it was made for this user, session and
    model, has not expired and still has its file, unchanged."""
    max_age = settings.IMPORT_PREVIEW_MAX_AGE
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise PreviewRefused(
            gettext(
                "This preview is more than {minutes} minutes old and has expired. Nothing "
                "was imported: upload the file again."
            ).format(minutes=max_age // 60)
        ) from None
    except signing.BadSignature:
        raise PreviewRefused(
            gettext(
                "This confirmation does not come from a preview made here, or it was altered. "
                "Nothing was imported: upload the file again."
            )
        ) from None
    if (
        data.get("user") != request.user.pk
        or not constant_time_compare(str(data.get("session")), session_digest(request))
        or data.get("model") != model._meta.label_lower
    ):
        raise PreviewRefused(
            gettext(
                "This preview was made by another user, in another session or for another kind of "
                "record. Nothing was imported: upload the file again."
            )
        )
    if not STORED_NAME.fullmatch(str(data.get("file"))):
        raise PreviewRefused(
            gettext("This preview names no file of its own. Nothing was imported.")
        )
    preview = Preview(
        preview_folder() / data["file"],
        data["digest"],
        data["name"],
        data["format"],
        data["resource"],
    )
    if not preview.path.is_file():
        raise PreviewRefused(
            gettext(
                "This preview has been imported already, or it has expired. Nothing was imported "
                "this time: upload the file again if it is still needed."
            )
        )
    if not constant_time_compare(file_digest(preview.path), preview.digest):
        raise PreviewRefused(
            gettext("The previewed file has changed since its preview. Nothing was imported.")
        )
    return preview


def file_digest(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def previews_expire(*, now: float | None = None) -> int:
    """Remove the previews older than ``IMPORT_PREVIEW_MAX_AGE``; how many went."""
    oldest = (now or time.time()) - settings.IMPORT_PREVIEW_MAX_AGE
    removed = 0
    for path in preview_folder().iterdir():
        if not STORED_NAME.fullmatch(path.name):
            continue
        with contextlib.suppress(FileNotFoundError):  # another worker got there first
            if path.stat().st_mtime < oldest:
                path.unlink()
                removed += 1
    return removed
