"""Prepare the demo: the four demo users, and the seed content published through the workflow
if the archive is empty. Run again, or on an archive with content, it only makes sure the users
exist and says what it left alone."""

from __future__ import annotations

import logging

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError

from editorial.seed import SeedError, load_seed

DEMO_PASSWORD = "demo"  # noqa: S105 - demo only, printed on purpose
DEMO_USERS = [
    ("contributor", "Contributors", "writes and submits incidents; imports and exports"),
    ("reviewer", "Reviewers", "verifies every figure and approves"),
    ("publisher", "Publishers", "publishes, schedules, withdraws"),
    ("admin", None, "superuser (not a workflow shortcut)"),
]


class Command(BaseCommand):
    help = (
        "Create the demo users and, into an empty archive only, load and publish the seed "
        "content. On an archive with content it changes nothing but the demo users."
    )

    def handle(self, *args: object, **options: object) -> None:
        for username, group, _ in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": True, "is_superuser": group is None}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if group:
                user.groups.add(Group.objects.get(name=group))
            if username == "contributor":  # the demo's data editor too: import and export
                user.groups.add(Group.objects.get(name="Data editors"))
        users = {
            name: User.objects.get(username=name)
            for name in ("contributor", "reviewer", "publisher")
        }
        # The seed's hundreds of transitions are in the history table; the console needs none.
        logging.getLogger("editorial.workflow").setLevel(logging.WARNING)
        try:
            report = load_seed(
                contributor=users["contributor"],
                reviewer=users["reviewer"],
                publisher=users["publisher"],
            )
        except SeedError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(report)
        # Addresses only once the seed is in: its hundreds of approvals and publications tell
        # nobody. From then on the worker prints each notification (the console backend).
        for username, _group, _role in DEMO_USERS:
            User.objects.filter(username=username, email="").update(email=f"{username}@example.org")
        self.stdout.write("\nDemo users (password “demo”, for the demo only):")
        for username, group, role in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {group or 'superuser':<13} {role}")
        self.stdout.write(
            "Admin: http://127.0.0.1:8000/admin/  Public site: http://127.0.0.1:8000/"
        )
