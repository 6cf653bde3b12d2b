from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("funnel", "0003_deal_lead_inn"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(fields=["funnel", "stage"], include=("amount",), name="deal_stage_totals_idx"),
        ),
    ]
