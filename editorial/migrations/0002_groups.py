"""The three editorial roles as groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ = ["view"]
WRITE = ["view", "add", "change"]
REFERENCE = ["source", "place", "actor", "victimgroup", "context", "proceeding"]
CONTENT = ["incident", "incidentversion", "estimate", "citation"]
EVERYTHING = [*REFERENCE, *CONTENT, "category", "correction"]

ROLES = {
    "Contributors": [
        *[(model, action) for model in REFERENCE + CONTENT for action in WRITE],
        ("category", "view"),
        ("correction", "view"),
        ("historyentry", "view"),
        ("incidentversion", "submit_version"),
    ],
    "Reviewers": [
        *[(model, "view") for model in EVERYTHING],
        ("historyentry", "view"),
        ("incidentversion", "review_version"),
    ],
    "Publishers": [
        *[(model, "view") for model in EVERYTHING],
        ("historyentry", "view"),
        ("incidentversion", "publish_version"),
    ],
}


def add_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        # create_permissions skips apps without a models module, as historical apps are.
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [
            action if "_" in action else f"{action}_{model}" for model, action in grants
        ]
        permissions = list(Permission.objects.filter(
            content_type__app_label__in=["archive", "editorial"], codename__in=codenames
        ))
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing:
            raise RuntimeError(f"Permissions missing for {name}: {sorted(missing)}")
        group.permissions.set(permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0001_initial"),
        ("archive", "0002_categories"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(add_groups, remove_groups)]
