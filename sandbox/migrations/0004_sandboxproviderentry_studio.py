from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sandbox", "0003_sandboxgatewaypayment_orders_received"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="sandboxproviderentry", name="sandbox_provider_entry_unique"),
        migrations.AddField(
            model_name="sandboxproviderentry",
            name="studio",
            field=models.CharField(
                default="sandbox",
                help_text="Whose books: the studio's provider code (sandbox, sandbox_soap).",
                max_length=32,
            ),
        ),
        migrations.AddConstraint(
            model_name="sandboxproviderentry",
            constraint=models.UniqueConstraint(fields=("studio", "kind", "ref"), name="sandbox_provider_entry_unique"),
        ),
    ]
