from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("courses/<int:page_id>/enrol/", views.course_enrol, name="enrol"),
    path("courses/<int:page_id>/unenrol/", views.course_unenrol, name="unenrol"),
    path("courses/<int:page_id>/resume/", views.course_resume, name="resume"),
    path(
        "lessons/<int:page_id>/complete/", views.lesson_complete, name="lesson_complete"
    ),
]
