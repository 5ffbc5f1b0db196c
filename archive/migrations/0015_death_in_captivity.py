"""A category for deaths of prisoners in camps and prisons where the cause is not said to be a
killing (hunger, disease, cold, injuries): "killing of prisoners of war" would say more."""

from django.db import migrations


def add_category(apps, schema_editor):
    Category = apps.get_model("archive", "Category")
    Category.objects.update_or_create(
        slug="death-in-captivity",
        defaults={
            "name": "death in captivity",
            "description": "Deaths of prisoners or detainees in camps and prisons, of any cause.",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("archive", "0014_almost")]
    operations = [migrations.RunPython(add_category, migrations.RunPython.noop)]
