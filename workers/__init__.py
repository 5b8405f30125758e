"""The bridge between Django and alignment/: the Celery app and thin tasks."""
