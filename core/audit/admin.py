"""The audit trail in the admin: read only, searchable by who and what."""

from django.contrib import admin

from core.admin_mixins import ReadOnlyAdmin
from core.audit.models import StaffAction


@admin.register(StaffAction)
class StaffActionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_name", "action", "target_type", "target_id", "target_repr", "reason")
    list_filter = ("action", "target_type")
    search_fields = ("actor_name", "target_id", "target_repr", "reason")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in StaffAction._meta.fields]
