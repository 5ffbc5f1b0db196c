"""Incident versions and proceedings keep the sortable range of their EDTF date in step."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from archive.dates import parse_date_range
from archive.models import IncidentVersion, Proceeding
from tests.factories import make_draft


@pytest.mark.django_db
def test_a_proceedings_range_follows_its_date_when_only_the_date_is_saved():
    proceeding = Proceeding.objects.create(
        slug="katyn-trial", title="Katyn trial", court="Court", date="1945"
    )
    proceeding.date = "1946-03"
    proceeding.save(update_fields=["date"])

    proceeding = Proceeding.objects.get(pk=proceeding.pk)
    assert (proceeding.date_earliest, proceeding.date_latest) == (
        datetime.date(1946, 3, 1),
        datetime.date(1946, 3, 31),
    )


@pytest.mark.django_db
def test_a_versions_range_follows_its_date_when_only_the_date_is_saved():
    version = make_draft(date="1940")
    version.date = "1941-06"
    version.save(update_fields=["date"])

    version = IncidentVersion.objects.get(pk=version.pk)
    assert (version.date_earliest, version.date_latest) == (
        datetime.date(1941, 6, 1),
        datetime.date(1941, 6, 30),
    )


@pytest.mark.parametrize("model", [IncidentVersion, Proceeding])
def test_a_date_that_is_not_edtf_is_refused_on_the_date_field(model):
    record = model(date="spring 1940")

    with pytest.raises(ValidationError) as refused:
        record.clean()

    with pytest.raises(ValidationError) as parsing:
        parse_date_range("spring 1940")
    assert refused.value.message_dict == {"date": parsing.value.messages}
    assert parsing.value.messages[0].startswith("“spring 1940”")
