# The stored incident pages become one per version and language. They are a cache of what
# the templates render from published versions: the table is made again empty, publishing
# stores new pages and the first reader of each page renders and stores it.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0023_translations"),
    ]

    operations = [
        migrations.DeleteModel(name="IncidentPage"),
        migrations.CreateModel(
            name="IncidentPage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("language", models.CharField(max_length=8)),
                ("html", models.TextField()),
                ("build", models.CharField(max_length=32)),
                ("rendered_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pages",
                        to="archive.incidentversion",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("version", "language"), name="incident_page_one_per_language"
                    )
                ],
            },
        ),
    ]
