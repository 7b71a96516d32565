from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("quizzes/<int:page_id>/start/", views.quiz_start, name="start"),
    path("attempts/<int:attempt_id>/", views.attempt_take, name="attempt"),
    path("attempts/<int:attempt_id>/save/", views.attempt_save, name="save"),
    path("attempts/<int:attempt_id>/submit/", views.attempt_submit, name="submit"),
    path("attempts/<int:attempt_id>/result/", views.attempt_result, name="result"),
    path("profile/", views.profile, name="profile"),
    path("profile/<str:code>/", views.competence_why, name="why"),
]
