# Datasets moved to their own app (same table): the foreign keys now name datasets.Dataset.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('datasets', '0001_initial'),
        ('training', '0002_evaluation'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='trainedmodel', name='dataset',
                    field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT,
                                            related_name='trained_models', to='datasets.dataset'),
                ),
                migrations.AlterField(
                    model_name='evaluation', name='dataset',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                            related_name='evaluations', to='datasets.dataset'),
                ),
            ],
        ),
    ]
