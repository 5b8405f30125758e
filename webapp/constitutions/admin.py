from django.contrib import admin

from webapp.constitutions.models import Constitution, ConstitutionVersion


@admin.register(Constitution)
class ConstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "visibility", "head")
    readonly_fields = ("head", "forked_from")


@admin.register(ConstitutionVersion)
class VersionAdmin(admin.ModelAdmin):
    """Read-only: a saved version never changes."""

    list_display = ("name", "number", "author", "created_at", "content_hash")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
