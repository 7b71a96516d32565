"""Public verification (no login), the JSON API and key set, and the learner's
"My certificates"."""

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from certificates import payload, selectors, services, verification
from certificates.codes import code_is_valid, code_normalize
from certificates.forms import CodeForm, UploadForm
from certificates.payload import content_from_json
from certificates.ratelimit import verification_allowed
from lms.media import private_file_response


def _throttled(request):
    return render(request, "certificates/throttled.html", status=429)


@require_GET
def verify(request):
    """The code form; a valid code goes on to its certificate's page."""
    form = CodeForm(request.GET or None)
    if form.is_bound:
        if not verification_allowed(request):
            return _throttled(request)
        if form.is_valid():
            return redirect("certificates:detail", code=form.cleaned_data["code"])
    return render(request, "certificates/verify.html", {"form": form})


@require_http_methods(["GET", "POST"])
def verify_detail(request, code):
    """Every field of a certificate and its status; a POSTed PDF is compared
    byte for byte (by SHA-256) with the one issued."""
    if not verification_allowed(request):
        return _throttled(request)
    normalized = code_normalize(code)
    if normalized != code and code_is_valid(normalized):
        return redirect("certificates:detail", code=normalized)
    certificate = selectors.certificate_get(code)
    if certificate is None:
        raise Http404
    upload = None
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            digest = hashlib.sha256()
            for chunk in form.cleaned_data["pdf"].chunks():
                digest.update(chunk)
            upload = {
                "identical": digest.hexdigest() == certificate.pdf_sha256,
                "sha256": digest.hexdigest(),
                "name": form.cleaned_data["pdf"].name,
            }
            form = UploadForm()
    report = services.certificate_credential_check(certificate=certificate)
    context = {
        "certificate": certificate,
        "content": content_from_json(certificate.content),
        "status": certificate.current_status,
        "signature_ok": report.signature_ok,
        "report": report,
        "form": form,
        "upload": upload,
        "share_url": request.build_absolute_uri(),
        "api_url": reverse("certificates_api:certificate", args=[certificate.code]),
    }
    return render(request, "certificates/verify_detail.html", context)


def _json(data, *, status=200, content_type="application/json"):
    response = JsonResponse(
        data,
        status=status,
        json_dumps_params={"ensure_ascii": False},
        content_type=content_type,
    )
    # Public, read-only data that other sites' verifiers may fetch.
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def api_certificate(request, code):
    """The signed credential (VC-JWT) and the certificate's current status."""
    if not verification_allowed(request):
        return _json({"detail": "Too many requests."}, status=429)
    certificate = selectors.certificate_get(code)
    if certificate is None:
        # LocaleMiddleware turns a 404 outside the language prefix into a redirect
        # to /<lang>/… (where Wagtail's catch-all would answer); the URL conf it
        # checks is the request's, so point it at this prefix-free one.
        request.urlconf = "certificates.api_urls"
        return _json({"detail": "Not found."}, status=404)
    report = services.certificate_credential_check(certificate=certificate)
    return _json(
        {
            "code": certificate.code_display,
            "status": certificate.current_status,
            "status_reason": certificate.status_reason,
            "superseded_by": certificate.superseded_by.code
            if certificate.superseded_by
            else None,
            "issued_on": certificate.issued_on.isoformat(),
            "expires_on": certificate.expires_on.isoformat()
            if certificate.expires_on
            else None,
            "pdf_sha256": certificate.pdf_sha256,
            "key_id": certificate.key_id,
            "credential_format": "jwt_vc",
            "credential": certificate.credential,
            "vc": report.vc,
            "credential_check": {
                "signature": "valid" if report.signature_ok else "invalid",
                "validity": report.period,
                "revocation": report.revocation_error and "error" or report.revocation,
                "status_list": verification.status_list_url(report.vc) or None,
            },
            "verification_url": selectors.certificate_verify_url(certificate.code),
            "jwks_url": selectors.site_url() + reverse("certificates_api:jwks"),
            "issuer_url": payload.issuer_url(selectors.site_url()),
        }
    )


@require_GET
@cache_control(public=True, max_age=300)
def issuer(request):
    """The issuer's Profile (Open Badges 3.0, JSON-LD) with its keys."""
    return _json(selectors.issuer_profile(), content_type="application/ld+json")


@require_GET
@cache_control(public=True, max_age=300)
def public_key(request, thumbprint):
    """One public key as a JWK: what a credential's ``kid`` resolves to."""
    jwk = selectors.public_jwk(thumbprint)
    if jwk is None:
        request.urlconf = "certificates.api_urls"
        return _json({"detail": "Not found."}, status=404)
    return _json(jwk, content_type="application/jwk+json")


@require_GET
@cache_control(public=True, max_age=services.STATUS_LIST_CACHE_SECONDS)
def status_list(request, list_id):
    """A Bitstring Status List credential, signed (VC-JWT): bit N set means the
    certificate whose credentialStatus names bit N is revoked."""
    token = services.status_list_credential(list_id)
    if token is None:
        request.urlconf = "certificates.api_urls"
        return _json({"detail": "Not found."}, status=404)
    response = HttpResponse(token, content_type="application/jwt")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@cache_control(public=True, max_age=300)
def jwks(request):
    """Every public signing key, active and retired (RFC 7517 JWK Set)."""
    return _json(selectors.jwks())


@login_required
def my_certificates(request):
    certificates = list(selectors.certificates_for_user(request.user))
    language = get_language()
    for certificate in certificates:
        certificate.share_url = (
            f"{selectors.site_url()}/{language}/verify/{certificate.code}/"
        )
    return render(
        request, "certificates/my_certificates.html", {"certificates": certificates}
    )


@login_required
def download(request, code):
    """The PDF, for its holder and for staff who may see certificates; a revoked
    one for staff only, so that it stops circulating."""
    certificate = selectors.certificate_get(code)
    if certificate is None:
        raise Http404
    staff = request.user.has_perm("certificates.view_certificate")
    if certificate.user_id != request.user.pk and not staff:
        raise PermissionDenied
    if certificate.status == certificate.Status.REVOKED and not staff:
        raise PermissionDenied
    # Sent by nginx behind the proxy (X-Accel-Redirect), streamed otherwise: the
    # PDF has no public URL either way (lms.media).
    return private_file_response(
        certificate.pdf,
        filename=f"certificate-{certificate.code_display}.pdf",
        content_type="application/pdf",
    )


def contest_certificates_panel(request, contest) -> str:
    """The contestant's certificates of a competition, for its results page."""
    return render_to_string(
        "certificates/includes/contest_certificates.html",
        {
            "certificates": selectors.contest_certificates_for(
                contest=contest, user=request.user
            )
        },
        request=request,
    )
