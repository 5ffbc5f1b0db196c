"""Bulk import and export are rights of their own, held by the Data editors group."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["place", "actor", "source", "incidentversion", "estimate", "citation", "proceeding"]


def add_group(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # create_permissions skips apps without a models module, as historical apps are.
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in MODELS for action in ("import", "export", "view")]
    group, _ = Group.objects.get_or_create(name="Data editors")
    permissions = list(
        Permission.objects.filter(content_type__app_label="archive", codename__in=codenames)
    )
    assert len(permissions) == len(codenames), "import/export permissions are missing"
    group.permissions.set(permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Data editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0002_groups"),
        ("archive", "0006_import_export_permissions"),
    ]
    operations = [migrations.RunPython(add_group, remove_group)]
