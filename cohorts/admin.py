from django.contrib import admin

from cohorts import services
from cohorts.models import Assignment, Cohort, Coordinator, Membership


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ["course_key", "due_date", "assigned_by"]
    raw_id_fields = ["assigned_by"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_km", "code", "institution", "start_date"]
    list_filter = ["institution"]
    search_fields = ["name_en", "name_km", "code"]
    filter_horizontal = ["trainers"]
    inlines = [AssignmentInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["cohort", "user", "added_at"]
    list_filter = ["cohort"]
    search_fields = ["user__email", "user__full_name_latin", "user__full_name_km"]
    raw_id_fields = ["user", "import_job"]


@admin.register(Coordinator)
class CoordinatorAdmin(admin.ModelAdmin):
    """Appointing a coordinator here also gives them the Coordinator role."""

    list_display = ["user", "institution"]
    list_filter = ["institution"]
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change):
        if change:
            old = Coordinator.objects.select_related("user", "institution").get(
                pk=obj.pk
            )
            if (old.user_id, old.institution_id) == (obj.user_id, obj.institution_id):
                return
            services.coordinator_remove(user=old.user, institution=old.institution)
        coordinator = services.coordinator_appoint(
            user=obj.user, institution=obj.institution
        )
        obj.pk = coordinator.pk

    def delete_model(self, request, obj):
        services.coordinator_remove(user=obj.user, institution=obj.institution)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
