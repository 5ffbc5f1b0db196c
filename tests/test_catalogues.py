"""The interface's catalogues (locale/<language>/LC_MESSAGES/django.po) are well formed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TRANSLATED = ["de", "pl", "ru", "uk"]  # English is the original: it needs no catalogue


DOMAINS = ["django", "djangojs"]  # the templates and Python code; the editors' scripts


def catalogue(language: str, domain: str = "django") -> Path:
    return ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.po"


@dataclass
class Entry:
    context: str
    msgid: str
    msgstrs: list[str]
    fuzzy: bool

    @property
    def name(self) -> str:
        return f"{self.context}|{self.msgid}" if self.context else self.msgid


def _string(lines: list[str]) -> str:
    text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', "\n".join(lines)))
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def entries(path: Path) -> list[Entry]:
    """The messages of a .po file, its header and obsolete (#~) entries left out."""
    found = []
    for block in path.read_text().split("\n\n"):
        fields: dict[str, list[str]] = {}
        key, fuzzy = "", False
        for line in block.splitlines():
            if line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in line
            elif line.startswith("#"):
                continue
            elif match := re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (.*)", line):
                key = match.group(1)
                fields[key] = [match.group(2)]
            elif line.startswith('"') and key:
                fields[key].append(line)
        if "msgid" not in fields or not _string(fields["msgid"]):
            continue
        strings = [_string(v) for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        found.append(
            Entry(_string(fields.get("msgctxt", [])), _string(fields["msgid"]), strings, fuzzy)
        )
    return found


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalogue_passes_msgfmts_checks(language, domain):
    """Placeholders (%(figure)s, {name}) and plural forms match between each message and its
    translation, and the header is complete: what msgfmt --check verifies."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt not found: install gettext"
    result = subprocess.run(
        [msgfmt, "--check", "-o", "/dev/null", str(catalogue(language, domain))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_catalogue_reader_sees_contexts_plurals_and_fuzzy_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n\n'
        '#: a.py\nmsgctxt "measure"\nmsgid "killed"\nmsgstr "getötet"\n\n'
        '#, fuzzy\nmsgid "Sources"\nmsgstr "Quellen"\n\n'
        'msgid "%(n)s figure"\nmsgid_plural "%(n)s figures"\n'
        'msgstr[0] ""\nmsgstr[1] "%(n)s Zahlen"\n\n'
        'msgid ""\n"Two "\n"lines"\nmsgstr ""\n'
    )
    assert entries(po) == [
        Entry("measure", "killed", ["getötet"], False),
        Entry("", "Sources", ["Quellen"], True),
        Entry("", "%(n)s figure", ["", "%(n)s Zahlen"], False),
        Entry("", "Two lines", [""], False),
    ]


def regenerated(tmp_path: Path) -> Path:
    """A copy of the project's code, templates, scripts and catalogues, with the catalogues
    made again from the code as `make messages` makes them: each message the code has now,
    with the translation the committed catalogue has for it, if any."""
    copy = tmp_path / "project"
    skip = shutil.ignore_patterns("*.mo", "__pycache__", "vendor")
    for name in ("archive", "editorial", "templates", "static", "locale"):
        shutil.copytree(ROOT / name, copy / name, ignore=skip)
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    languages = [f"--locale={language}" for language in TRANSLATED]
    for options in (["--ignore=static"], ["--domain=djangojs"]):
        result = subprocess.run(
            [sys.executable, "manage.py", "makemessages", *languages, *options],
            cwd=copy,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "archive.settings"},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    return copy


def test_every_catalogue_is_complete(tmp_path):
    """Every message of the code, templates and scripts is in each catalogue, translated and
    not marked fuzzy (a guess waiting for review). To fix: `make messages`, then translate."""
    copy = regenerated(tmp_path)
    problems = {}
    for language in TRANSLATED:
        for domain in DOMAINS:
            committed = {entry.name for entry in entries(catalogue(language, domain))}
            current = entries(copy / "locale" / language / "LC_MESSAGES" / f"{domain}.po")
            found = {
                "missing": [e.name for e in current if e.name not in committed],
                "untranslated": [
                    e.name for e in current if e.name in committed and not all(e.msgstrs)
                ],
                "fuzzy": [e.name for e in current if e.name in committed and e.fuzzy],
            }
            for kind, names in found.items():
                if names:
                    problems[f"{language} {domain}.po {kind}"] = sorted(names)
    assert problems == {}
