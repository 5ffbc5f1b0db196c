"""Publish approved versions whose scheduled time has come. Run it from cron every minute."""

from django.core.management.base import BaseCommand

from editorial.services import publish_due


class Command(BaseCommand):
    help = "Publish every approved version whose scheduled time has passed."

    def handle(self, *args: object, **options: object) -> None:
        published = publish_due()
        for version in published:
            self.stdout.write(f"published {version.incident.slug} v{version.number}")
        self.stdout.write(f"{len(published)} version(s) published.")
