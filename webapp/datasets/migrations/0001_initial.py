# The Dataset model moves from the review (pairs) app to its own app. Its table stays
# `review_dataset`, so nothing in the database changes: only Django's idea of who owns it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('jobs', '0002_job_constitution_version'),
        ('review', '0003_dataset_format'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Dataset',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, unique=True)),
                        ('kind', models.CharField(choices=[('preference', 'preference pairs (TRL conversational: prompt, chosen, rejected)'), ('sft', 'SFT records (TRL conversational: prompt, completion), from SL-CAI revisions')], default='preference', max_length=16)),
                        ('format', models.CharField(choices=[('jsonl', 'JSONL'), ('parquet', 'Parquet'), ('hf', 'Hugging Face datasets folder (tar)')], default='jsonl', max_length=8)),
                        ('filter', models.JSONField(default=dict, help_text="the pairs list's filter, as query parameters")),
                        ('keep_ties', models.BooleanField(default=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('rows', models.PositiveIntegerField(null=True)),
                        ('counts', models.JSONField(blank=True, default=dict, help_text='rows written and rows left out, by reason')),
                        ('sha256', models.CharField(blank=True, help_text='SHA-256 of the records as canonical JSONL lines, whatever the file format', max_length=64)),
                        ('size_bytes', models.BigIntegerField(null=True)),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('job', models.OneToOneField(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='dataset', to='jobs.job')),
                    ],
                    options={'ordering': ['-id'], 'db_table': 'review_dataset'},
                ),
            ],
        ),
    ]
