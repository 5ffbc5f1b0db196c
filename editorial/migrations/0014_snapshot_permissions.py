"""Snapshots: every role sees them; contributors, reviewers and data editors may also ask for a
capture now (it only queues one: the worker fetches)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = "view_snapshot"
CAPTURE = "capture_source"
GRANTS = {
    "Contributors": [VIEW, CAPTURE],
    "Reviewers": [VIEW, CAPTURE],
    "Data editors": [VIEW, CAPTURE],
    "Publishers": [VIEW],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # create_permissions skips apps without a models module, as historical apps are.
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = list(
            Permission.objects.filter(content_type__app_label="archive", codename__in=codenames)
        )
        assert len(permissions) == len(codenames), "snapshot permissions are missing"
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(
        content_type__app_label="archive", codename__in=[VIEW, CAPTURE]
    ):
        permission.group_set.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0013_notification_opt_outs"),
        ("archive", "0020_snapshots"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
