from django.urls import path

from competencies import views

app_name = "competencies"

urlpatterns = [
    path("", views.framework_detail, name="framework"),
    path("<slug:code>/", views.framework_detail, name="framework_detail"),
]
