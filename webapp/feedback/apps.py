from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "webapp.feedback"
    label = "feedback"

    def ready(self) -> None:
        from webapp.feedback import panels
        from webapp.jobs.registry import register_kind

        register_kind("feedback", "Feedback run", panels.SUMMARY, panels.PAIRS, merge=merged)


def merged(run) -> dict:
    """A sharded run's result once all its shards have ended: the summary over the pairs they
    stored in it, and for a run on given pairs its judge report."""
    from webapp.feedback.ingest import is_given, summary
    from webapp.feedback.judges import record_report

    return summary(run) | ({"judge": record_report(run)} if is_given(run) else {})
