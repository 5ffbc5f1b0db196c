"""Two categories for what the article says without saying more: deaths of prisoners in camps
and prisons where the cause is not said to be a killing (hunger, disease, cold, injuries), for
which "killing of prisoners of war" would say more; and anti-Jewish bigotry that the article
does not call violence, for which "pogrom" would say more."""

from django.db import migrations


CATEGORIES = [
    (
        "death in captivity",
        "death-in-captivity",
        "Deaths of prisoners or detainees in camps and prisons, of any cause.",
    ),
    ("antisemitism", "antisemitism", "Hostility or discrimination against Jews."),
]


def add_category(apps, schema_editor):
    Category = apps.get_model("archive", "Category")
    for name, slug, description in CATEGORIES:
        Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("archive", "0014_almost")]
    operations = [migrations.RunPython(add_category, migrations.RunPython.noop)]
