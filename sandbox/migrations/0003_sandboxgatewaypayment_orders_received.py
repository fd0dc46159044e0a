from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sandbox", "0002_sandboxproviderentry"),
    ]

    operations = [
        migrations.AddField(
            model_name="sandboxgatewaypayment",
            name="orders_received",
            field=models.PositiveIntegerField(
                default=1,
                help_text="Orders received under this merchant reference (a repeat is answered, never doubled).",
            ),
        ),
    ]
