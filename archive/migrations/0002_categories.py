"""The controlled list of categories. Imports refuse any name not in it."""

from django.db import migrations

CATEGORIES = [
    ("massacre", "massacre", "Deliberate killing of many people at one place and time."),
    ("deportation", "deportation", "Forced removal of a population from its home region."),
    ("sexual violence", "sexual-violence", "Rape and other sexual violence."),
    ("looting", "looting", "Plunder of property by troops or officials."),
    ("killing of prisoners of war", "killing-of-prisoners-of-war", "Killing of captured soldiers."),
    ("torture", "torture", "Infliction of severe pain on people in custody."),
    ("bombardment of civilians", "bombardment-of-civilians", "Attacks from the air or by artillery on civilians."),
    ("chemical weapons", "chemical-weapons", "Use of poison gas or other chemical weapons."),
    ("forced labour", "forced-labour", "Work exacted under threat, in camps or labour units."),
    ("religious persecution", "religious-persecution", "Persecution for faith or of clergy."),
    ("pogrom", "pogrom", "Mob or troop violence against an ethnic or religious group, above all Jews."),
    ("summary execution", "summary-execution", "Killing without trial of people in custody."),
    ("violent crackdown", "violent-crackdown", "Armed force used against protesters or civilians."),
    ("destruction of property", "destruction-of-property", "Burning or wrecking of homes, villages, crops."),
    ("forced conscription", "forced-conscription", "Drafting of an occupied population into armed or labour service."),
]


def add_categories(apps, schema_editor):
    Category = apps.get_model("archive", "Category")
    for name, slug, description in CATEGORIES:
        Category.objects.update_or_create(slug=slug, defaults={"name": name, "description": description})


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]
    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]
