"""The links from versions to places, categories, perpetrators and victim groups, and from
proceedings to incidents, become explicit models so that deleting a record they name is
refused (``PROTECT``; a proceeding only while a published incident shows it).

State only: the link models use the very tables and columns Django created for the plain
many-to-many fields, so no row moves (Django's documentation, "Changing a ManyToManyField
to use a through model"). ``on_delete`` is enforced by Django, not by the database.
"""

import django.db.models.deletion
from django.db import migrations, models

import archive.models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0010_incident_page"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="ProceedingIncident",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "incident",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="archive.incident",
                            ),
                        ),
                        (
                            "proceeding",
                            models.ForeignKey(
                                on_delete=archive.models.protect_if_published,
                                related_name="+",
                                to="archive.proceeding",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "incident page showing this proceeding",
                        "db_table": "archive_proceeding_incidents",
                        "default_permissions": (),
                        "unique_together": {("proceeding", "incident")},
                    },
                ),
                migrations.AlterField(
                    model_name="proceeding",
                    name="incidents",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="proceedings",
                        through="archive.ProceedingIncident",
                        to="archive.incident",
                    ),
                ),
                migrations.CreateModel(
                    name="VersionCategory",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "category",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="archive.category",
                            ),
                        ),
                        (
                            "incidentversion",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="archive.incidentversion",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "version in this category",
                        "db_table": "archive_incidentversion_categories",
                        "abstract": False,
                        "default_permissions": (),
                        "unique_together": {("incidentversion", "category")},
                    },
                ),
                migrations.AlterField(
                    model_name="incidentversion",
                    name="categories",
                    field=models.ManyToManyField(
                        related_name="versions",
                        through="archive.VersionCategory",
                        to="archive.category",
                    ),
                ),
                migrations.CreateModel(
                    name="VersionPerpetrator",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="archive.actor",
                            ),
                        ),
                        (
                            "incidentversion",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="archive.incidentversion",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "version naming this perpetrator",
                        "db_table": "archive_incidentversion_perpetrators",
                        "abstract": False,
                        "default_permissions": (),
                        "unique_together": {("incidentversion", "actor")},
                    },
                ),
                migrations.AlterField(
                    model_name="incidentversion",
                    name="perpetrators",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="versions",
                        through="archive.VersionPerpetrator",
                        to="archive.actor",
                    ),
                ),
                migrations.CreateModel(
                    name="VersionPlace",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "incidentversion",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="archive.incidentversion",
                            ),
                        ),
                        (
                            "place",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="archive.place",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "version naming this place",
                        "db_table": "archive_incidentversion_places",
                        "abstract": False,
                        "default_permissions": (),
                        "unique_together": {("incidentversion", "place")},
                    },
                ),
                migrations.AlterField(
                    model_name="incidentversion",
                    name="places",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="versions",
                        through="archive.VersionPlace",
                        to="archive.place",
                    ),
                ),
                migrations.CreateModel(
                    name="VersionVictimGroup",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "incidentversion",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="archive.incidentversion",
                            ),
                        ),
                        (
                            "victimgroup",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="archive.victimgroup",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "version naming this victim group",
                        "db_table": "archive_incidentversion_victim_groups",
                        "abstract": False,
                        "default_permissions": (),
                        "unique_together": {("incidentversion", "victimgroup")},
                    },
                ),
                migrations.AlterField(
                    model_name="incidentversion",
                    name="victim_groups",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="versions",
                        through="archive.VersionVictimGroup",
                        to="archive.victimgroup",
                    ),
                ),
            ],
        ),
    ]
