"""An import and an editor's open form of the same draft: neither overwrites the other."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from archive.models import IncidentVersion
from editorial import services
from editorial.models import Action, HistoryEntry
from tests.factories import make_contributor, make_draft


def import_estimates(tmp_path, text: str) -> None:
    path = tmp_path / "figures.csv"
    path.write_text(text)
    call_command(
        "import",
        "editorial.resources.EstimateResource",
        str(path),
        "--no-input",
        stdout=io.StringIO(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("resource", ["EstimateResource", "IncidentResource"])
def test_a_form_opened_before_an_import_changed_the_draft_cannot_overwrite_it(tmp_path, resource):
    editor = make_contributor("editor")
    draft = make_draft(editor, slug="katyn", estimates=1)
    figure = draft.estimates.get()
    opened = draft.lock_version  # the editor opens the form
    if resource == "EstimateResource":
        import_estimates(
            tmp_path,
            "ref,incident,measure,best,as_written,claimant,source\n"
            f"{figure.ref},katyn,killed,250,250,{figure.claimant},{figure.source.key}\n",
        )
        assert draft.estimates.get().best == 250
    else:
        path = tmp_path / "incidents.csv"
        path.write_text(
            "slug,title,summary,date,date_text,categories\n"
            "katyn,Katyn massacre (imported),Officers were shot.,1940-04/1940-05,"
            "April and May 1940,massacre\n"
        )
        call_command(
            "import",
            "editorial.resources.IncidentResource",
            str(path),
            "--no-input",
            stdout=io.StringIO(),
        )
        assert IncidentVersion.objects.get(pk=draft.pk).title == "Katyn massacre (imported)"

    with pytest.raises(services.EditConflict) as refusal:
        services.version_edit(
            version=IncidentVersion.objects.get(pk=draft.pk),
            user=editor,
            seen_lock_version=opened,
            fields={"title": "The editor's title"},
        )
    assert str(refusal.value).startswith("someone else saved this version at ")
    assert HistoryEntry.objects.filter(version=draft, action=Action.IMPORT).count() == 1
    assert IncidentVersion.objects.get(pk=draft.pk).lock_version == opened + 1
