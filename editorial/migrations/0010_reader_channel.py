"""Drafts made from readers' submissions are recorded with the channel "reader"; the
submissions' queue is read and moderated by Contributors and Data editors, and Data editors
erase a reader's contact details on request."""

from django.db import migrations, models

GRANTS = {
    "Contributors": ["view_readersubmission", "moderate_readersubmission"],
    "Data editors": [
        "view_readersubmission",
        "moderate_readersubmission",
        "erase_contact_readersubmission",
    ],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("archive")
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
        assert len(permissions) == len(codenames), f"permissions missing for {name}"
        for group in Group.objects.filter(name=name):
            group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        permissions = Permission.objects.filter(
            content_type__app_label="archive", codename__in=codenames
        )
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0009_benchmark_channel"),
        ("editorial", "0003_data_editors"),
        ("archive", "0021_reader_submissions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historyentry",
            name="channel",
            field=models.CharField(
                choices=[
                    ("admin", "admin"),
                    ("import", "import"),
                    ("command", "command"),
                    ("service", "service"),
                    ("seed", "seed content"),
                    ("benchmark", "benchmark tool"),
                    ("reader", "reader submission"),
                ],
                default="service",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="recordchange",
            name="channel",
            field=models.CharField(
                choices=[
                    ("admin", "admin"),
                    ("import", "import"),
                    ("command", "command"),
                    ("service", "service"),
                    ("seed", "seed content"),
                    ("benchmark", "benchmark tool"),
                    ("reader", "reader submission"),
                ],
                default="admin",
                max_length=10,
            ),
        ),
        migrations.RunPython(grant, revoke),
    ]
