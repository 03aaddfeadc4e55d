"""The "Signature analysts" group: the specialists who process signature change requests
(incidents.signature_rules). Provider admins add staff to it."""

from django.db import migrations

ANALYSTS = "Signature analysts"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=ANALYSTS)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=ANALYSTS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("incidents", "0014_alert_audience"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
