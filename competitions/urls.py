from django.urls import path

from competitions import views

app_name = "competitions"

urlpatterns = [
    path("", views.contest_list, name="list"),
    path("<slug:slug>/", views.contest_detail, name="detail"),
    path("<slug:slug>/register/", views.contest_register, name="register"),
    path("<slug:slug>/start/", views.sitting_start, name="start"),
    path("<slug:slug>/sitting/", views.sitting_take, name="sitting"),
    path("<slug:slug>/sitting/save/", views.sitting_save, name="save"),
    path("<slug:slug>/sitting/submit/", views.sitting_submit, name="submit"),
    path("<slug:slug>/received/", views.sitting_received, name="received"),
    path("<slug:slug>/results/", views.contest_results, name="results"),
]
