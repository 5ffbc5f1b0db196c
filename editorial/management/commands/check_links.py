"""Fetch every source's URL once and record whether the original still answers."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from archive.models import GONE_AFTER, Source, Trigger
from editorial.snapshots.capture import source_capture
from editorial.snapshots.report import as_json, as_lines


class Command(BaseCommand):
    help = (
        "Fetch every source URL once, recording each answer as a snapshot (a link check). "
        f"A source whose last {GONE_AFTER} link checks failed shows its archived copy as the "
        "original's replacement. Run it from cron, e.g. weekly."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="print a JSON list")

    def handle(self, *args: Any, json: bool, **options: Any) -> None:
        sources = Source.objects.exclude(url="").order_by("key")
        snapshots = [
            source_capture(source=source, trigger=Trigger.LINK_CHECK).snapshot for source in sources
        ]
        if json:
            self.stdout.write(as_json(snapshots))
        else:
            self.stdout.write("\n".join(as_lines(snapshots)))
