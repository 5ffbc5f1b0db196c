"""Freeze what is published now into a citable release: ``manage.py make_release 2026.1``."""

from __future__ import annotations

from argparse import ArgumentParser

from django.core.management.base import BaseCommand, CommandError

from archive.models import ReleaseError
from archive.releases import release_make


class Command(BaseCommand):
    help = (
        "Freeze everything published now into releases/NAME.zip (data files, data package, "
        "citation, checksums and the changes since the previous release) and record it."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", help="the release's name: the year and a number, like 2026.1")

    def handle(self, *args: object, **options: object) -> None:
        try:
            release = release_make(name=str(options["name"]))
        except ReleaseError as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(
            f"Release {release.name}: {release.incidents} incidents, {release.estimates} "
            f"estimates, {release.sources} sources, {release.changes} changes; "
            f"{release.file_name}, {release.size} bytes, SHA-256 {release.sha256}."
        )
