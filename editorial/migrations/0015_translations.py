"""Translations: their history entries, and who does what. Contributors write and submit
translations, reviewers approve or send them back, publishers publish them; every role (and
the data editors) can read them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

GRANTS = {
    "Contributors": [
        "view_translation",
        "add_translation",
        "change_translation",
        "submit_translation",
    ],
    "Reviewers": ["view_translation", "review_translation"],
    "Publishers": ["view_translation", "publish_translation"],
    "Data editors": ["view_translation"],
}
CODENAMES = sorted({codename for codenames in GRANTS.values() for codename in codenames})


def grant(apps, schema_editor):
    app_config = apps.get_app_config("archive")
    # create_permissions skips apps without a models module, as historical apps are.
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        permissions = list(
            Permission.objects.filter(content_type__app_label="archive", codename__in=codenames)
        )
        assert len(permissions) == len(codenames), f"translation permissions missing for {name}"
        for group in Group.objects.filter(name=name):
            group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(
        content_type__app_label="archive", codename__in=CODENAMES
    ):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0014_snapshot_permissions"),
        ("archive", "0023_translations"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historyentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "created"),
                    ("edit", "edited"),
                    ("transition", "changed state"),
                    ("verify", "verified an estimate"),
                    ("query", "queried an estimate"),
                    ("answer", "answered a query"),
                    ("unquery", "withdrew a query"),
                    ("schedule", "scheduled publication"),
                    ("import", "imported"),
                    ("delete", "deleted"),
                    ("rename", "changed the address"),
                    ("unverify", "figures to check again"),
                    ("assign", "asked a reviewer"),
                    ("take", "took for review"),
                    ("comment", "wrote in a discussion"),
                    ("resolve", "resolved a discussion"),
                    ("translate", "wrote a translation"),
                    ("translation", "changed a translation's state"),
                ],
                max_length=12,
            ),
        ),
        migrations.RunPython(grant, revoke),
    ]
