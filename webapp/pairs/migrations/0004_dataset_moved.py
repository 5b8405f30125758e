# Dataset now belongs to the datasets app; its table (review_dataset) stays where it is.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('review', '0003_dataset_format'),
        ('training', '0003_dataset_app'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(database_operations=[], state_operations=[migrations.DeleteModel(name='Dataset')]),
    ]
