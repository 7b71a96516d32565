"""Without a language prefix: the JSON API, the issuer Profile, its keys and the
status lists."""

from django.urls import path

from certificates import views

app_name = "certificates_api"

urlpatterns = [
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("api/v1/certificates/<str:code>", views.api_certificate, name="certificate"),
    path("api/v1/status/<int:list_id>", views.status_list, name="status_list"),
    path("issuer", views.issuer, name="issuer"),
    path("issuer/keys/<str:thumbprint>", views.public_key, name="key"),
]
