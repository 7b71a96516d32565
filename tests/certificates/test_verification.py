"""Public verification: pages, upload check, API, key set, rate limit, statuses."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certificates import selectors, services, signing
from certificates.codes import code_format
from tests.certificates.conftest import complete
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _generous_rate(settings):
    settings.CERTIFICATES_VERIFY_RATE_LIMIT = 1000


def test_the_code_form_leads_to_the_certificate(client, certificate):
    response = client.get("/en/verify/")
    assert response.status_code == 200
    typed = code_format(certificate.code).lower().replace("-", " ")
    response = client.get("/en/verify/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/en/verify/{certificate.code}/"


def test_a_mistyped_code_is_caught_by_its_check_symbol(client, certificate):
    wrong = certificate.code[:-1] + ("2" if certificate.code[-1] != "2" else "3")
    response = client.get("/en/verify/", {"code": wrong})
    assert response.status_code == 200
    assert "typing mistakes" in response.content.decode()


@pytest.mark.parametrize("lang", ["km", "en"])
def test_the_page_shows_every_field_and_the_status(client, certificate, lang):
    response = client.get(f"/{lang}/verify/{certificate.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    for value in (
        "សុខ ដារ៉ា",
        "SOK Dara",
        "សុវត្ថិភាពលើអ៊ីនធឺណិត",
        "Staying safe online",
        certificate.code_display,
        certificate.pdf_sha256,
        "Test issuer",
        "អ្នកចេញវិញ្ញាបនបត្រសាកល្បង",
        "4.2",
        certificate.key_id,
    ):
        assert value in html, value
    assert "certificate-verdict--valid" in html
    assert response.context["signature_ok"] is True
    assert f'lang="{lang}"' in html


def test_codes_are_found_in_any_case_and_with_dashes(client, certificate):
    response = client.get(f"/en/verify/{certificate.code_display.lower()}/")
    assert response.status_code == 302
    assert response["Location"] == f"/en/verify/{certificate.code}/"


def test_the_qr_address_without_language_goes_to_the_browsers_language(
    client, certificate
):
    url = selectors.certificate_verify_url(certificate.code)
    path = url.split("://", 1)[1].split("/", 1)[1]
    assert path == f"verify/{certificate.code}/"
    response = client.get(f"/{path}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == f"/en/verify/{certificate.code}/"
    response = client.get(f"/{path}", HTTP_ACCEPT_LANGUAGE="km")
    assert response["Location"] == f"/km/verify/{certificate.code}/"


def test_unknown_and_malformed_codes_get_a_plain_404(client, certificate):
    from certificates.codes import check_symbol

    body = "ABCDEFGHJKMNPQR"
    unknown = body + check_symbol(body)
    for code in (unknown, "NOT-A-CODE", "0" * 16):
        assert client.get(f"/en/verify/{code}/").status_code == 404
        response = client.get(f"/api/v1/certificates/{code}")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_uploading_the_pdf_checks_it_byte_for_byte(client, certificate):
    original = certificate.pdf.read()
    url = f"/en/verify/{certificate.code}/"
    response = client.post(
        url, {"pdf": SimpleUploadedFile("mine.pdf", original, "application/pdf")}
    )
    assert response.context["upload"]["identical"] is True
    assert "byte for byte the PDF that was issued" in response.content.decode()

    changed = bytearray(original)
    middle = len(changed) // 2
    changed[middle] = (changed[middle] + 1) % 256
    response = client.post(
        url, {"pdf": SimpleUploadedFile("mine.pdf", bytes(changed), "application/pdf")}
    )
    assert response.context["upload"]["identical"] is False
    assert "is not the PDF that was issued" in response.content.decode()


def test_the_api_returns_the_signed_credential(client, certificate):
    response = client.get(f"/api/v1/certificates/{certificate.code}")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["status"] == "valid"
    assert data["pdf_sha256"] == certificate.pdf_sha256
    jwks = client.get("/.well-known/jwks.json").json()
    claims = signing.credential_verify(data["credential"], jwks=jwks)
    assert claims["vc"] == data["vc"]
    assert data["vc"]["credentialSubject"]["achievement"]["alternateName"] == (
        "សុវត្ថិភាពលើអ៊ីនធឺណិត"
    )


def test_the_key_set_publishes_only_public_keys(client, certificate):
    services.signing_key_create()
    response = client.get("/.well-known/jwks.json")
    assert "max-age=300" in response["Cache-Control"]
    keys = response.json()["keys"]
    assert len(keys) == 2
    for key in keys:
        assert set(key) == {"kty", "crv", "x", "kid", "use", "alg"}
        assert key["crv"] == "Ed25519" and "d" not in key


def test_a_revoked_certificate_shows_as_revoked_everywhere(client, certificate):
    staff = UserFactory(email="admin@example.org", roles=["Administrator"])
    services.certificate_revoke(
        certificate=certificate, actor=staff, reason="Identity fraud"
    )
    html = client.get(f"/en/verify/{certificate.code}/").content.decode()
    assert "certificate-verdict--revoked" in html and "Identity fraud" in html
    data = client.get(f"/api/v1/certificates/{certificate.code}").json()
    assert data["status"] == "revoked" and data["status_reason"] == "Identity fraud"
    response = client.post(
        f"/en/verify/{certificate.code}/",
        {"pdf": SimpleUploadedFile("c.pdf", certificate.pdf.read())},
    )
    assert "no longer valid" in response.content.decode()
    client.force_login(certificate.user)
    html = client.get("/en/learning/certificates/").content.decode()
    assert "certificate-status--revoked" in html and "Identity fraud" in html


def test_a_reissued_certificate_points_to_its_replacement(client, certificate):
    new = services.certificate_reissue(certificate=certificate, actor=None, note="x")
    html = client.get(f"/en/verify/{certificate.code}/").content.decode()
    assert "certificate-verdict--superseded" in html
    assert f"/en/verify/{new.code}/" in html
    data = client.get(f"/api/v1/certificates/{certificate.code}").json()
    assert data["status"] == "superseded" and data["superseded_by"] == new.code


def test_verification_is_rate_limited(client, certificate, settings):
    settings.CERTIFICATES_VERIFY_RATE_LIMIT = 3
    from django.core.cache import cache

    cache.clear()
    statuses = [
        client.get(f"/en/verify/{certificate.code}/").status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 200]
    assert client.get(f"/en/verify/{certificate.code}/").status_code == 429
    assert client.get(f"/api/v1/certificates/{certificate.code}").status_code == 429
    assert client.get("/en/verify/", {"code": "X"}).status_code == 429
    other = client.get(
        f"/en/verify/{certificate.code}/", REMOTE_ADDR="203.0.113.9"
    ).status_code
    assert other == 200


def test_my_certificates_download_and_share(client, certificate):
    client.force_login(certificate.user)
    response = client.get("/en/learning/certificates/")
    html = response.content.decode()
    assert "Staying safe online" in html
    assert f"/en/verify/{certificate.code}/" in html
    response = client.get(f"/en/learning/certificates/{certificate.code}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == certificate.pdf.read()
    assert certificate.code_display in response["Content-Disposition"]


def test_only_the_holder_and_staff_download(client, certificate, course):
    stranger = UserFactory(email="stranger@example.org")
    complete(stranger, course)
    client.force_login(stranger)
    url = f"/en/learning/certificates/{certificate.code}/download/"
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_a_revoked_pdf_is_for_staff_only(client, certificate):
    from accounts import roles

    services.certificate_revoke(certificate=certificate, actor=None, reason="Fraud")
    url = f"/en/learning/certificates/{certificate.code}/download/"
    client.force_login(certificate.user)
    assert client.get(url).status_code == 403
    page = client.get("/en/learning/certificates/").content.decode()
    assert url not in page and "Fraud" in page
    client.force_login(UserFactory(roles=[roles.ADMINISTRATOR], mfa=True))
    assert client.get(url).status_code == 200


def test_behind_a_proxy_the_forwarded_address_is_counted(rf, settings):
    from certificates.ratelimit import client_address

    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7"
    )
    assert client_address(request) == "10.0.0.2"
    settings.CERTIFICATES_TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "198.51.100.7"
    settings.CERTIFICATES_TRUSTED_PROXY_COUNT = 3
    assert client_address(request) == "10.0.0.2"


def test_a_competence_below_the_first_level_says_so(client, certificate):
    content = certificate.content
    content["competences"][0].update(
        level_code="",
        assessed=True,
        first_level_name_en="Foundation",
        first_level_name_km="គ្រឹះ",
    )
    content["competences"].append(
        {**content["competences"][0], "code": "9.9", "assessed": False}
    )
    certificate.save(update_fields=["content"])
    html = client.get(f"/en/verify/{certificate.code}/").content.decode()
    assert "below Foundation" in html and "not assessed" in html
    km = client.get(f"/km/verify/{certificate.code}/").content.decode()
    assert "ក្រោមកម្រិត គ្រឹះ" in km
