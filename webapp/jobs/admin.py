from django.contrib import admin

from webapp.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "status", "queue", "attempts", "created_by", "created_at")
    list_filter = ("status", "kind", "queue")
    readonly_fields = [f.name for f in Job._meta.fields]
