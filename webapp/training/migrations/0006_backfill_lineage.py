# Jobs made before lineage was recorded: each derives from its own constitution version; an export
# from the versions of the pairs its filter names (all pairs' versions when it names no run or
# version: conservative, it may hide a dataset from someone who could see it, never the reverse);
# training and evaluation from their dataset's export too; a Self-Rewarding loop's models now
# point at the loop's job.

from django.db import migrations


def backfill(apps, schema_editor):
    Job = apps.get_model("jobs", "Job")
    Dataset = apps.get_model("datasets", "Dataset")
    PreferencePair = apps.get_model("feedback", "PreferencePair")
    TrainedModel = apps.get_model("training", "TrainedModel")
    for job in Job.objects.exclude(constitution_version=None):
        job.derived_from.add(job.constitution_version_id)
    for dataset in Dataset.objects.exclude(job=None):
        pairs = PreferencePair.objects.all()
        run, version = dataset.filter.get("run"), dataset.filter.get("version")
        if str(run or "").isdigit():
            pairs = pairs.filter(job_id=int(run))
        if str(version or "").isdigit():
            pairs = pairs.filter(constitution_version_id=int(version))
        versions = set(pairs.exclude(constitution_version=None).values_list("constitution_version_id", flat=True).distinct())
        dataset.job.derived_from.add(*versions)
    for job in Job.objects.filter(kind__in=["train", "evaluate"]):
        dataset = Dataset.objects.filter(pk=job.config.get("dataset")).exclude(job=None).first()
        if dataset is not None:
            job.derived_from.add(*dataset.job.derived_from.values_list("pk", flat=True))
    for model in TrainedModel.objects.filter(job=None):
        loop = Job.objects.filter(kind="self_reward", config__name=model.config.get("name")).order_by("-id").first()
        if loop is not None:
            TrainedModel.objects.filter(pk=model.pk).update(job=loop)


class Migration(migrations.Migration):

    dependencies = [
        ('training', '0005_visibility_lineage'),
        ('jobs', '0004_visibility_lineage'),
        ('datasets', '0001_initial'),
        ('feedback', '0005_method_labels'),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
