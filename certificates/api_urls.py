"""Without a language prefix: the JSON API and the public key set."""

from django.urls import path

from certificates import views

app_name = "certificates_api"

urlpatterns = [
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("api/v1/certificates/<str:code>", views.api_certificate, name="certificate"),
]
