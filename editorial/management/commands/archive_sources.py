"""Capture the sources whose URL has no stored copy yet, or the one named, now."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext

from archive.models import Outcome, Snapshot, Source, Trigger
from editorial.snapshots.report import as_json, as_lines
from editorial.snapshots.tasks import source_capture_or_retry


class Command(BaseCommand):
    help = (
        "Capture every source with a URL that has no captured copy of that URL yet (or the "
        "source --key names, in any case) and print one result per source. A failure worth "
        "another try is queued for the worker."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--key", help="capture this source now, even if it has a copy")
        parser.add_argument("--json", action="store_true", help="print a JSON list")

    def handle(self, *args: Any, key: str | None, json: bool, **options: Any) -> None:
        sources = Source.objects.exclude(url="").order_by("key")
        if key is not None:
            sources = sources.filter(key=key)
            if not Source.objects.filter(key=key).exists():
                raise CommandError(gettext("No source has the key {key}.").format(key=f"{key!r}"))
            if not sources.exists():
                raise CommandError(
                    gettext("The source {key} has no URL to capture.").format(key=f"{key!r}")
                )
        else:
            copied = Snapshot.objects.filter(
                source=OuterRef("pk"), url=OuterRef("url"), outcome=Outcome.CAPTURED
            )
            sources = sources.exclude(Exists(copied))
        snapshots = [
            source_capture_or_retry(source=source, trigger=Trigger.COMMAND) for source in sources
        ]
        if json:
            self.stdout.write(as_json(snapshots))
        else:
            self.stdout.write("\n".join(as_lines(snapshots)))
