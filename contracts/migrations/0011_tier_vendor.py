"""Tiers name the vendor whose products their contracts cover (the shipped tiers as
their documents say), and the ledger's rows are named "entitlement entries"."""

from django.db import migrations, models

# The vendor of each shipped tier's document (TIERS.md).
VENDORS = {
    "msa-start": "Kaspersky",
    "msa-enterprise": "Kaspersky",
    "msa-premium-tam": "Kaspersky",
    "av-silver": "Trend Micro",
}


def name_vendors(apps, schema_editor):
    """The shipped tiers' vendors, where an admin has not named one."""
    Tier = apps.get_model("contracts", "Tier")
    for tier in Tier.objects.filter(code__in=VENDORS, vendor=""):
        tier.vendor = VENDORS[tier.code]
        tier.save(update_fields=["vendor"])  # row by row: the audit trail records it


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0010_calendar_versions"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="entitlemententry",
            options={
                "ordering": ["created_at"],
                "verbose_name": "entitlement entry",
                "verbose_name_plural": "entitlement entries",
            },
        ),
        migrations.AddField(
            model_name="tier",
            name="vendor",
            field=models.CharField(
                blank=True,
                db_default="",
                help_text="Whose products the tier's contracts cover; empty = any vendor's.",
                max_length=100,
                verbose_name="vendor",
            ),
        ),
        migrations.RunPython(name_vendors, migrations.RunPython.noop),
    ]
