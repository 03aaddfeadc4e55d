"""Products move here from the incidents app: contracts cover products.

State only: the table keeps its name (incidents_product) and its rows; the
content type follows the model so admin history and permissions stay attached.
"""

from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="contracts", model="product").exists():
        ContentType.objects.filter(app_label="incidents", model="product").update(
            app_label="contracts"
        )


def restore_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="incidents", model="product").exists():
        ContentType.objects.filter(app_label="contracts", model="product").update(
            app_label="incidents"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("contracts", "0005_tier_notify_customer_on_sla_tier_warn_at_percent"),
        # The table was created there.
        ("incidents", "0004_outbox_sla_once"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Product",
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
                        ("name", models.CharField(max_length=200, unique=True)),
                        ("vendor", models.CharField(blank=True, max_length=100)),
                        ("is_active", models.BooleanField(default=True)),
                    ],
                    options={"db_table": "incidents_product", "ordering": ["name"]},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, restore_content_type, elidable=True),
    ]
