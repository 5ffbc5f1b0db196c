"""Record the DOI minted for a release: ``manage.py record_doi 2026.1 10.5281/zenodo.1234``."""

from __future__ import annotations

from argparse import ArgumentParser

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from archive.models import Release, ReleaseError
from archive.releases import release_record_doi


class Command(BaseCommand):
    help = "Record the DOI of a release (once: a release is otherwise never changed)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", help="the release's name, like 2026.1")
        parser.add_argument("doi", help="the DOI, like 10.5281/zenodo.1234567")

    def handle(self, *args: object, **options: object) -> None:
        name = str(options["name"])
        release = Release.objects.filter(name=name).first()
        if release is None:
            raise CommandError(gettext("There is no release {name}.").format(name=name))
        try:
            release = release_record_doi(release=release, doi=str(options["doi"]))
        except ReleaseError as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(f"Release {release.name}: DOI {release.doi} recorded.")
