"""Every stored date range derived again from its EDTF text, now that an approximate (~) or
uncertain (?) date widens the range (archive/dates.py). A derived value is corrected: no text,
figure, state or history of any version or proceeding changes, published ones included. The
stored pages of the versions whose range moved are deleted, and the publication generation
moves on, so that cached public pages, totals and the timeline are computed again."""

from django.db import migrations, transaction
from django.db.models import F
from django.utils import timezone


def derive(apps, schema_editor):
    from archive.dates import parse_date_range

    moved = []
    for name in ("IncidentVersion", "Proceeding"):
        model = apps.get_model("archive", name)
        changed = []
        for row in model.objects.only("pk", "date", "date_earliest", "date_latest").iterator():
            span = parse_date_range(row.date)
            if (row.date_earliest, row.date_latest) != (span.earliest, span.latest):
                row.date_earliest, row.date_latest = span.earliest, span.latest
                changed.append(row)
        model.objects.bulk_update(changed, ["date_earliest", "date_latest"], batch_size=500)
        if name == "IncidentVersion":
            moved = [row.pk for row in changed]
        elif changed:  # a proceeding is shown on the pages of its incidents
            moved = None
    IncidentPage = apps.get_model("archive", "IncidentPage")
    pages = (
        IncidentPage.objects.all()
        if moved is None
        else IncidentPage.objects.filter(version_id__in=moved)
    )
    if moved is None or moved:
        pages.delete()
        Publication = apps.get_model("archive", "Publication")
        Publication.objects.get_or_create(pk=1)
        Publication.objects.filter(pk=1).update(
            generation=F("generation") + 1, changed_at=timezone.now()
        )
        transaction.on_commit(_forget_announced_generation)


def _forget_announced_generation():
    from django.core.cache import caches

    from archive.caching import GENERATION_KEY

    caches["shared"].delete(GENERATION_KEY)


class Migration(migrations.Migration):
    dependencies = [("archive", "0016_headline_keeps_what_totals_add")]

    operations = [migrations.RunPython(derive, migrations.RunPython.noop)]
