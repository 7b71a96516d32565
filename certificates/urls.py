"""Under the language prefix: /<lang>/verify/… and /<lang>/learning/certificates/…"""

from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify_detail, name="detail"),
    path("learning/certificates/", views.my_certificates, name="mine"),
    path(
        "learning/certificates/<str:code>/download/",
        views.download,
        name="download",
    ),
]
