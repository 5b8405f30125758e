# SALMON pairs judged before Charter's fix asked some principles' negative question and reversed
# the label: their chosen side is already the winner under the positive principle, but they were
# marked `negated`, so an instructable reward model was shown the negative definition beside the
# positive winner. Negation now happens when reward-model data is built, never on stored pairs:
# the marks are cleared (the pairs' labels are correct as positive-principle labels), and each
# affected run's log says so. The judgments keep `negated` = true: that is how they were asked.

from django.db import migrations

NOTE = ("--- data migration: {n} SALMON pairs of this run were judged with negated questions (before Charter's "
        "SALMON fix); their labels are in the positive orientation and their negation marks were cleared. ---\n")


def clear(apps, schema_editor):
    PreferencePair = apps.get_model("feedback", "PreferencePair")
    Job = apps.get_model("jobs", "Job")
    per_run: dict[int, list[int]] = {}
    for pair in PreferencePair.objects.filter(method="salmon").only("id", "negated", "job_id").iterator():
        if pair.negated:
            per_run.setdefault(pair.job_id, []).append(pair.pk)
    for run, ids in per_run.items():
        PreferencePair.objects.filter(pk__in=ids).update(negated=[])
        job = Job.objects.get(pk=run)
        Job.objects.filter(pk=run).update(log=job.log + NOTE.format(n=len(ids)))


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0005_method_labels'),
        ('jobs', '0004_visibility_lineage'),
    ]

    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]
