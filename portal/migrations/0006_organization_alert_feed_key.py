"""Each organisation's alert feed key. A callable default alone would give every existing
organisation the same key (Django calls it once for the column), so existing rows get a
distinct key each before the column becomes unique and required; rows written by code
that predates the field get one from the database (`RandomKey`)."""

import secrets

from django.db import migrations, models

import portal.models


def fill_keys(apps, schema_editor):
    Organization = apps.get_model("portal", "Organization")
    for organization in Organization.objects.filter(alert_feed_key__isnull=True).only("pk"):
        organization.alert_feed_key = secrets.token_urlsafe(32)
        organization.save(update_fields=["alert_feed_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0005_user_time_zone"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="alert_feed_key",
            field=models.CharField(max_length=64, null=True, editable=False),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="organization",
            name="alert_feed_key",
            field=models.CharField(
                db_default=portal.models.RandomKey(),
                default=portal.models.new_feed_key,
                editable=False,
                max_length=64,
                unique=True,
            ),
        ),
    ]
