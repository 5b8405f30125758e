# A job kind has one name everywhere: the Job.kind choice, its workers/kinds/ module and its
# `python -m alignment` subcommand. Rename the kinds stored under their old names.

from django.db import migrations, models

import webapp.jobs.registry

RENAMED = {"sample_responses": "sample", "worker_check": "check", "synthesize_prompts": "synthesize",
           "export_pairs": "export", "import_pairs": "import", "self_rewarding": "self_reward"}


def rename(apps, schema_editor, names=RENAMED):
    Job = apps.get_model("jobs", "Job")
    for old, new in names.items():
        Job.objects.filter(kind=old).update(kind=new)


def unrename(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0002_job_constitution_version'),
    ]

    operations = [
        migrations.AlterField(
            model_name='job',
            name='kind',
            field=models.CharField(choices=webapp.jobs.registry.kind_choices, max_length=64),
        ),
        migrations.RunPython(rename, unrename),
    ]
