"""Headlines and the conflict flag of every published version, by the rule that only figures
counting the same thing disagree (archive/estimates.py). Derived values only: no figure, text
or state of any version changes."""

from django.db import migrations


def derive(apps, schema_editor):
    from archive.estimates import disagree, headlines

    IncidentVersion = apps.get_model("archive", "IncidentVersion")
    Estimate = apps.get_model("archive", "Estimate")
    Headline = apps.get_model("archive", "Headline")
    ids = list(IncidentVersion.objects.filter(state="published").values_list("pk", flat=True))
    for start in range(0, len(ids), 1000):
        batch = ids[start : start + 1000]
        estimates = {pk: [] for pk in batch}
        for estimate in Estimate.objects.filter(version_id__in=batch).order_by(
            "version_id", "measure", "position", "pk"
        ):
            estimates[estimate.version_id].append(estimate)
        Headline.objects.bulk_create(
            [
                Headline(
                    version_id=pk,
                    measure=h.measure,
                    low=h.low,
                    high=h.high,
                    low_open=h.low_open,
                    high_open=h.high_open,
                    text=h.text,
                )
                for pk in batch
                for h in headlines(estimates[pk])
            ]
        )
        conflicting = [pk for pk in batch if disagree(estimates[pk])]
        IncidentVersion.objects.filter(pk__in=batch).update(has_conflict=False)
        IncidentVersion.objects.filter(pk__in=conflicting).update(has_conflict=True)


class Migration(migrations.Migration):
    dependencies = [("archive", "0012_figures_say_what_they_count")]

    operations = [migrations.RunPython(derive, migrations.RunPython.noop)]
