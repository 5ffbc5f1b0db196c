"""Django's makemessages, without fuzzy matching: a new string starts untranslated instead of
borrowing the translation of a similar one (which "Related incidents" would take from
"Incidents"), so a translator sees every new string as new."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
