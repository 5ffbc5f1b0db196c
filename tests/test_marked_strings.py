"""Every string a person reads is marked for translation: in the templates (text and the
attributes a person reads or hears) and in the Python code (messages, errors, labels)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.template.base import Lexer, TokenType

ROOT = Path(settings.BASE_DIR)

# Text that reads the same in every language: names of formats and standards, symbols.
# Keep this short: anything a translator could word differently belongs in a catalogue.
ALLOWED = {
    "·",  # separator between links
    "—",
    "–",
    "→",
    "←",
    "↳",  # marks a part listed under its whole
    "BibTeX",  # names of citation and file formats, as their makers spell them
    "RIS",
    "CSL-JSON",
    "JSON",
    "WARC",
    "SHA-256",
    "DOI",
    "incidents.csv",  # file names of the open data
    "estimates.csv",
    "sources.csv",
    "incidents.json",
    "incidents.geojson",
}

# Templates that are not a page a person reads in a language of the interface.
NOT_INTERFACE = {
    "templates/archive/release_readme.md",  # inside a data release: English, as its files
    "templates/archive/includes/marker.html",  # SVG shapes only
}

# Stands for whatever the template engine puts in: a variable, a tag, a translated string.
SLOT = "\x00"
LETTER = re.compile(r"[^\W\d_]")
TAG = re.compile(r"<(/?[a-zA-Z][\w-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
ATTRIBUTE = re.compile(r"([a-zA-Z_:][-\w:.]*)\s*=\s*(\"[^\"]*\"|'[^']*')")
READ_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "aria-description"}


def template_files() -> list[Path]:
    found = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    return sorted(p for p in found if ".venv" not in p.parts)


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def filled_in(source: str) -> str:
    """The template with each variable, tag and marked text replaced by ``SLOT`` and each
    comment removed: what is left is what the template writes as it is."""
    out, depth_translated, in_comment = [], 0, False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name == "comment":
                in_comment = True
            elif name == "endcomment":
                in_comment = False
            elif name == "blocktranslate" or name == "blocktrans":
                depth_translated += 1
            elif name in ("endblocktranslate", "endblocktrans"):
                depth_translated -= 1
            out.append(SLOT)
        elif token.token_type == TokenType.TEXT:
            out.append(SLOT if in_comment or depth_translated else token.contents)
        elif token.token_type == TokenType.VAR:
            out.append(SLOT)
    return "".join(out)


def readable(text: str) -> bool:
    """Whether a literal piece of a page has words in it that a translator should see."""
    text = re.sub(r"&#?\w+;", " ", text).replace(SLOT, " ")
    words = [w for w in re.split(r"[\s(),.:;]+", text) if w]
    return any(LETTER.search(w) and w not in ALLOWED for w in words)


def unmarked_in_template(source: str) -> Iterator[str]:
    html = filled_in(source)
    html = re.sub(r"<!--.*?-->|<!doctype[^>]*>", "", html, flags=re.S | re.I)
    html = re.sub(r"<(script|style)\b.*?</\1>", SLOT, html, flags=re.S)
    # Text between tags.
    for piece in TAG.split(html)[::3]:
        if readable(piece):
            yield " ".join(piece.replace(SLOT, "…").split())
    # Attributes a person reads or hears.
    for tag in TAG.finditer(html):
        name, attributes = (
            tag.group(1).lower(),
            dict((key.lower(), value[1:-1]) for key, value in ATTRIBUTE.findall(tag.group(2))),
        )
        read = {key for key in attributes if key in READ_ATTRIBUTES}
        if name == "input" and attributes.get("type") in ("submit", "button", "reset"):
            read.add("value")
        if name == "meta" and attributes.get("name") == "description":
            read.add("content")
        for key in sorted(read & set(attributes)):
            if readable(attributes[key]):
                yield f'{key}="{attributes[key].replace(SLOT, "…")}"'


def test_every_template_marks_its_text():
    unmarked = {}
    for path in template_files():
        name = relative(path)
        if name in NOT_INTERFACE:
            continue
        found = list(unmarked_in_template(path.read_text()))
        if found:
            unmarked[name] = found
    assert unmarked == {}


def test_the_template_check_finds_unmarked_text_and_attributes():
    source = (
        '{% load i18n %}<h1>Incidents</h1><p>{% translate "Marked" %} · {{ value }}</p>'
        '<a title="Open it" aria-label="{% translate "Fine" %}">{% blocktranslate %}Also fine'
        ' {{ x }}{% endblocktranslate %}</a><input type="submit" value="Send">'
        '<img alt="{{ photo.caption }}"><meta name="description" content="About {{ x }}">'
        "{# a comment #}{% comment %}Not shown{% endcomment %}<span>BibTeX</span>"
    )
    assert list(unmarked_in_template(source)) == [
        "Incidents",
        'title="Open it"',
        'value="Send"',
        'content="About …"',
    ]


# --- Python ---------------------------------------------------------------------------------

MARKERS = {
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
    "_",
    "format_lazy",
}
# Keyword arguments whose text a person reads.
READ_KEYWORDS = {"label", "help_text", "verbose_name", "verbose_name_plural", "description"}
READ_KEYWORDS |= {"short_description", "empty_label", "empty_value_display"}
# Calls whose first argument a person reads.
MESSAGE_CALLS = {"ValidationError", "PermissionDenied"}
MESSAGE_METHODS = {"debug", "info", "success", "warning", "error", "add_message"}
# Response classes whose body a person reads when a page refuses.
RESPONSES = {
    "HttpResponseBadRequest",
    "HttpResponseForbidden",
    "HttpResponseNotAllowed",
    "HttpResponseGone",
}


def python_files() -> list[Path]:
    files = [*ROOT.glob("archive/**/*.py"), *ROOT.glob("editorial/**/*.py")]
    return sorted(p for p in files if "migrations" not in p.parts)


def literal(node: ast.AST) -> str | None:
    """The text of a string literal or an f-string's literal parts, if it has words."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    elif isinstance(node, ast.BinOp):  # "a" + "b", "a %s" % x
        return literal(node.left)
    else:
        return None
    return text if readable(text) else None


def called(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return ""


def unmarked_in_python(source: str) -> Iterator[tuple[int, str]]:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and called(node) not in MARKERS:
            name = called(node)
            candidates: list[ast.AST] = [
                keyword.value for keyword in node.keywords if keyword.arg in READ_KEYWORDS
            ]
            is_messages = (
                isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "messages"
                and name in MESSAGE_METHODS
            )
            if name in MESSAGE_CALLS or name in RESPONSES:
                candidates += node.args[:1]
            if is_messages or name == "message_user":
                candidates += node.args[1:2]  # messages.error(request, text)
            for candidate in candidates:
                text = literal(candidate)
                if text is not None:
                    yield candidate.lineno, text
        # An attribute a person reads: short_description = "…" in an admin.
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {
                t.attr if isinstance(t, ast.Attribute) else getattr(t, "id", "") for t in targets
            }
            if names & READ_KEYWORDS and node.value is not None:
                text = literal(node.value)
                if text is not None:
                    yield node.lineno, text


def test_the_python_code_marks_what_people_read():
    unmarked = {}
    for path in python_files():
        name = path.relative_to(ROOT).as_posix()
        found = sorted(unmarked_in_python(path.read_text()))
        if found:
            unmarked[name] = found
    assert unmarked == {}


def test_the_python_check_finds_unmarked_messages_labels_and_errors():
    source = """
from django.utils.translation import gettext as _
messages.error(request, "Not marked")
messages.success(request, _("Marked"))
raise ValidationError(f"Bad value {value}")
raise ValidationError(_("Fine"))
name = forms.CharField(label="Your name", help_text=_("Marked"))
title = models.CharField(verbose_name="title", max_length=20)
short_description = "Publish"
return HttpResponseBadRequest("Wrong form")
logger.error("Logged, not read")
"""
    assert sorted(unmarked_in_python(source)) == [
        (3, "Not marked"),
        (5, "Bad value "),
        (7, "Your name"),
        (8, "title"),
        (9, "Publish"),
        (10, "Wrong form"),
    ]
