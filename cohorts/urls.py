from django.urls import path

from cohorts import views

app_name = "cohorts"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cohorts/new/", views.cohort_create, name="cohort_create"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort"),
    path("cohorts/<int:pk>/edit/", views.cohort_edit, name="cohort_edit"),
    path("cohorts/<int:pk>/assign/", views.assignment_create, name="assign"),
    path(
        "cohorts/<int:pk>/learners/<int:user_id>/",
        views.learner_detail,
        name="learner",
    ),
    path(
        "cohorts/<int:pk>/export/<slug:kind>.<slug:fmt>",
        views.cohort_export,
        name="export",
    ),
    path("institutions/<slug:code>/", views.rollup, name="rollup"),
    path(
        "institutions/<slug:code>/export.<slug:fmt>",
        views.rollup_export,
        name="rollup_export",
    ),
    path("exports/<int:pk>/", views.export_job, name="export_job"),
    path(
        "exports/<int:pk>/download/",
        views.export_job_download,
        name="export_job_download",
    ),
    path("import/", views.import_start, name="import_start"),
    path("import/template.csv", views.import_template, name="import_template"),
    path("import/sample.csv", views.import_sample, name="import_sample"),
    path("import/<int:pk>/", views.import_detail, name="import"),
    path("import/<int:pk>/apply/", views.import_apply, name="import_apply"),
]
