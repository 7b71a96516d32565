"""Sala's credentials as an outside verifier sees them, checked with references
Sala does not use itself: 1EdTech's JSON Schema for Open Badges 3.0 (jsonschema),
a second JOSE library (joserfc, not PyJWT) with the keys the site serves, a
JSON-LD processor (PyLD) with the contexts vendored in ``conformance/``, and the
Bitstring Status List decoded by hand."""

import base64
import copy
import datetime as dt
import gzip
import json
import socket
import subprocess
import sys
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import jwt as pyjwt
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from joserfc import jwt as jose_jwt
from joserfc.errors import ExpiredTokenError
from joserfc.jwk import KeySet
from pyld import jsonld

from certificates import payload, selectors, services, signing, verification
from certificates.models import Certificate
from tests.certificates.conftest import complete
from tests.certificates.test_contests import (  # noqa: F401
    close_and_publish,
    organiser,
    sat,
    templates,
)  # noqa: F401
from tests.competitions.conftest import bank, contest, pools  # noqa: F401
from tests.factories import UserFactory

# Sala signs with the JOSE name "EdDSA", the one Open Badges 3.0 and current
# wallets know; joserfc warns that RFC 9864 prefers the fully specified "Ed25519".
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")

HERE = Path(__file__).parent / "conformance"
PHNOM_PENH = ZoneInfo("Asia/Phnom_Penh")
CONTEXTS = {
    "https://www.w3.org/ns/credentials/v2": HERE / "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": HERE
    / "ob-context-3.0.3.json",
}


def official_schema() -> dict:
    """1EdTech's AchievementCredential schema with its VC 1.1 date properties
    under their VC 2.0 names (``conformance/README.md`` says why); nothing else
    is changed."""
    schema = json.loads(
        (HERE / "ob_v3p0_achievementcredential_schema.json").read_text()
    )
    properties = schema["properties"]
    for old, new in (("issuanceDate", "validFrom"), ("expirationDate", "validUntil")):
        properties[new] = properties.pop(old)
    schema["required"] = [
        "validFrom" if name == "issuanceDate" else name for name in schema["required"]
    ]
    return schema


@pytest.fixture(autouse=True)
def _generous_rate(settings):
    settings.CERTIFICATES_VERIFY_RATE_LIMIT = 1000


SCHEMA = official_schema()
VALIDATOR = jsonschema.Draft201909Validator(
    SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
)


def schema_errors(vc: dict) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in VALIDATOR.iter_errors(vc)
    ]


def _loader(url, options=None):
    path = CONTEXTS.get(url)
    if path is None:
        raise jsonld.JsonLdError(
            f"No vendored context for {url}", "loading", code="loading document failed"
        )
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(path.read_text()),
    }


def terms_dropped(document: dict) -> list[str]:
    """The properties JSON-LD expansion drops (no term defines them): expand, then
    compact with the same contexts, and list what did not come back."""
    options = {"documentLoader": _loader}
    expanded = jsonld.expand(copy.deepcopy(document), options)
    back = jsonld.compact(expanded, {"@context": document["@context"]}, options)

    def lost(original, again, path):
        if isinstance(original, dict):
            if not isinstance(again, dict):
                return [path or "/"]
            missing = []
            for key, value in original.items():
                if key == "@context":
                    continue
                if key not in again:
                    missing.append(f"{path}/{key}")
                else:
                    missing += lost(value, again[key], f"{path}/{key}")
            return missing
        if isinstance(original, list):
            again = again if isinstance(again, list) else [again]
            if len(again) != len(original):
                return [f"{path}[]"]
            return [
                item
                for index, (a, b) in enumerate(zip(original, again, strict=True))
                for item in lost(a, b, f"{path}[{index}]")
            ]
        return []

    return lost(document, back, "")


def served_jwks(client) -> KeySet:
    return KeySet.import_key_set(client.get("/.well-known/jwks.json").json())


def jose_verify(client, token: str, *, now: int | None = None) -> dict:
    """Verify with joserfc against the keys the site serves, then check the
    registered claims (nbf, iat, exp) at ``now``."""
    decoded = jose_jwt.decode(token, served_jwks(client), algorithms=["EdDSA"])
    registry = jose_jwt.JWTClaimsRegistry(
        now=now, nbf={"essential": True}, iat={"essential": True}
    )
    registry.validate(decoded.claims)
    return decoded.claims


def bit_of(encoded_list: str, index: int) -> bool:
    """The status bit, decoded as the W3C specification describes (Multibase
    base64url, GZIP, most significant bit first)."""
    assert encoded_list.startswith("u")
    raw = encoded_list[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    assert len(bits) * 8 >= 131_072
    return bool(bits[index // 8] >> (7 - index % 8) & 1)


def status_bit(client, vc: dict) -> bool:
    entry = vc["credentialStatus"]
    path = entry["statusListCredential"].removeprefix(selectors.site_url())
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwt"
    claims = jose_verify(client, response.content.decode())
    list_vc = claims["vc"]
    assert list_vc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert list_vc["issuer"] == vc["issuer"]["id"]
    assert list_vc["credentialSubject"]["statusPurpose"] == entry["statusPurpose"]
    assert terms_dropped(list_vc) == []
    return bit_of(
        list_vc["credentialSubject"]["encodedList"], int(entry["statusListIndex"])
    )


@pytest.fixture
def every_kind(
    course,
    template,
    contest,  # noqa: F811
    templates,  # noqa: F811
    sat,  # noqa: F811
    organiser,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """One certificate of each kind Sala issues: course with and without expiry,
    participation, merit, and a revoked one."""
    holder = UserFactory(
        email="course-holder@example.org",
        full_name_km="សុខ ស្រីមុំ",
        full_name_latin="SOK Sreymom",
    )
    complete(holder, course)
    plain = services.certificate_issue(
        user=holder, course_key=course.translation_key
    ).certificate
    template.validity_months = 24
    template.save()
    expiring_holder = UserFactory(
        email="expiring@example.org", full_name_km="ជា លីណា", full_name_latin="CHEA Lina"
    )
    complete(expiring_holder, course)
    expiring = services.certificate_issue(
        user=expiring_holder, course_key=course.translation_key
    ).certificate
    revoked_holder = UserFactory(email="revoked@example.org")
    complete(revoked_holder, course)
    revoked = services.certificate_issue(
        user=revoked_holder, course_key=course.translation_key
    ).certificate
    services.certificate_revoke(
        certificate=revoked, actor=None, reason="Issued in error"
    )
    close_and_publish(contest, organiser, django_capture_on_commit_callbacks)
    kinds = Certificate.objects.filter(course_key=contest.key)
    return {
        "course": plain,
        "course with expiry": expiring,
        "revoked": revoked,
        "participation": kinds.filter(kind="participation").first(),
        "merit": kinds.filter(kind="merit").first(),
    }


def test_every_kind_of_credential_conforms(client, every_kind):
    assert len({c.kind for c in every_kind.values()}) == 3
    assert every_kind["course with expiry"].expires_on is not None
    for name, certificate in every_kind.items():
        claims = jose_verify(client, certificate.credential)
        vc = claims["vc"]
        assert schema_errors(vc) == [], name
        assert terms_dropped(vc) == [], name
        assert vc["@context"][:2] == list(CONTEXTS)
        assert claims["nbf"] == claims["iat"] == payload.epoch(vc["validFrom"])
        assert claims["sub"] == vc["credentialSubject"]["id"]
        assert claims["iss"] == vc["issuer"]["id"]
        assert ("validUntil" in vc) == (certificate.expires_on is not None)
        if "validUntil" in vc:
            assert claims["exp"] == payload.epoch(vc["validUntil"])
        assert status_bit(client, vc) is (name == "revoked"), name
    merit = every_kind["merit"].credential
    vc = signing.unverified_claims(merit)["vc"]
    assert vc["credentialSubject"]["achievement"]["achievementType"] == "Award"


def test_the_checks_catch_what_they_are_meant_to():
    """The schema and the JSON-LD check are not vacuous: a credential with an
    unknown property, or without its start, is caught."""
    vc = {
        "@context": list(CONTEXTS),
        "id": "https://sala.example/verify/X/",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://sala.example/issuer", "type": ["Profile"]},
        "name": "x",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:0b6f2a58-3d55-4b8a-9f61-0cb1d8d1e001",
                "type": ["Achievement"],
                "name": "x",
                "description": "x",
                "criteria": {"narrative": "x"},
            },
            "madeUpTerm": 1,
        },
    }
    assert any("validFrom" in error for error in schema_errors(vc))
    assert terms_dropped(vc) == ["/credentialSubject/madeUpTerm"]
    vc["credentialSubject"]["identifier"] = [
        {"type": "IdentityObject", "identityHash": "x"}
    ]
    assert any("identifier" in error for error in schema_errors(vc))


def test_the_kid_resolves_to_the_key_and_the_issuer_profile_lists_it(
    client, certificate
):
    header = pyjwt.get_unverified_header(certificate.credential)
    site = selectors.site_url()
    assert header["kid"].startswith(f"{site}/issuer/keys/")
    jwk = client.get(header["kid"].removeprefix(site))
    assert jwk.status_code == 200 and jwk["Content-Type"] == "application/jwk+json"
    assert jwk.json()["kid"] == header["kid"] and "d" not in jwk.json()
    key = KeySet.import_key_set({"keys": [jwk.json()]})
    assert jose_jwt.decode(certificate.credential, key, algorithms=["EdDSA"])
    claims = signing.unverified_claims(certificate.credential)
    issuer_id = claims["vc"]["issuer"]["id"]
    response = client.get(issuer_id.removeprefix(site))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    profile = response.json()
    assert profile["id"] == issuer_id and profile["type"] == ["Profile"]
    assert [m["id"] for m in profile["verificationMethod"]] == [
        k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]
    ]
    assert header["kid"] in [m["id"] for m in profile["verificationMethod"]]
    assert terms_dropped(profile) == []
    assert client.get("/issuer/keys/unknown").status_code == 404
    assert client.get("/api/v1/status/999").status_code == 404


def test_alignments_land_on_the_competence_on_the_framework_page(client, certificate):
    vc = signing.unverified_claims(certificate.credential)["vc"]
    alignments = vc["credentialSubject"]["achievement"]["alignment"]
    assert alignments
    page = client.get("/en/framework/").content.decode()
    for alignment in alignments:
        anchor = alignment["targetUrl"].split("#", 1)[1]
        assert f'id="{anchor}"' in page, anchor


def test_issued_at_one_in_the_night_it_is_valid_at_once(client, completed):
    """01:00 in Phnom Penh is 18:00 UTC the day before: the credential must be
    valid from that instant, not from midnight UTC of the local date."""
    moment = dt.datetime(2026, 12, 4, 1, 0, tzinfo=PHNOM_PENH)
    with time_machine.travel(moment, tick=False):
        certificate = services.certificate_issue(
            user=completed["user"], course_key=completed["course"].translation_key
        ).certificate
        now = int(moment.timestamp())
        claims = jose_verify(client, certificate.credential, now=now)
        key = selectors.jwks()["keys"][0]
        pyjwt.decode(
            certificate.credential,
            pyjwt.PyJWK(key).key,
            algorithms=["EdDSA"],
            options={"require": ["nbf", "iat", "iss", "sub", "jti"]},
        )
    assert claims["vc"]["validFrom"] == "2026-12-04T01:00:00+07:00"
    assert claims["nbf"] == now
    assert certificate.issued_on == dt.date(2026, 12, 4)
    report = verification.credential_check(
        certificate.credential, jwks=selectors.jwks(), list_tokens={}, now=moment
    )
    assert report.period == "valid"


def test_expiry_is_the_end_of_the_printed_day(client, completed, template):
    template.validity_months = 12
    template.save()
    moment = dt.datetime(2026, 3, 10, 9, 30, tzinfo=PHNOM_PENH)
    with time_machine.travel(moment, tick=False):
        certificate = services.certificate_issue(
            user=completed["user"], course_key=completed["course"].translation_key
        ).certificate
    vc = signing.unverified_claims(certificate.credential)["vc"]
    assert certificate.expires_on == dt.date(2027, 3, 10)
    assert vc["validUntil"] == "2027-03-11T00:00:00+07:00"
    last_minute = int(dt.datetime(2027, 3, 10, 23, 59, tzinfo=PHNOM_PENH).timestamp())
    jose_verify(client, certificate.credential, now=last_minute)
    with pytest.raises(ExpiredTokenError):
        jose_verify(client, certificate.credential, now=last_minute + 120)


def test_revoking_flips_the_bit_at_once(client, certificate, settings):
    vc = signing.unverified_claims(certificate.credential)["vc"]
    assert status_bit(client, vc) is False
    services.certificate_revoke(certificate=certificate, actor=None, reason="Fraud")
    assert status_bit(client, vc) is True
    data = client.get(f"/api/v1/certificates/{certificate.code}").json()
    assert data["status"] == "revoked"
    assert data["credential_check"]["revocation"] == "revoked"
    page = client.get(reverse("certificates:detail", args=[certificate.code]))
    assert page.context["report"].revocation == "revoked"


def test_status_indexes_are_random_and_unique(completed, course):
    indexes = []
    for number in range(12):
        user = UserFactory(email=f"holder{number}@example.org")
        complete(user, course)
        indexes.append(
            services.certificate_issue(
                user=user, course_key=course.translation_key
            ).certificate.status_list_index
        )
    assert len(set(indexes)) == len(indexes)
    # Drawn over the whole list, not counted up from zero.
    assert indexes != sorted(indexes) and max(indexes) > 1000


def test_a_holder_keeps_one_subject_id(completed, course, template):
    first = services.certificate_issue(
        user=completed["user"], course_key=course.translation_key
    ).certificate
    template.save()  # a new version: a new certificate supersedes the first
    second = services.certificate_issue(
        user=completed["user"], course_key=course.translation_key
    ).certificate
    assert second.pk != first.pk
    subjects = {signing.unverified_claims(c.credential)["sub"] for c in (first, second)}
    assert len(subjects) == 1
    other = UserFactory(email="other-holder@example.org")
    complete(other, course)
    third = services.certificate_issue(user=other, course_key=course.translation_key)
    assert (
        signing.unverified_claims(third.certificate.credential)["sub"] not in subjects
    )


def _legacy_token(certificate) -> str:
    """The credential as Sala signed it before VC 2.0: the 1.1 context,
    ``issuanceDate`` at midnight UTC, the bare thumbprint as ``kid``."""
    from certificates.models import SigningKey
    from certificates.services.keys import private_key_load

    vc = {
        "@context": [payload.VC_CONTEXT_V1, payload.OB_CONTEXT],
        "id": selectors.certificate_verify_url(certificate.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": f"{selectors.site_url()}/", "type": ["Profile"], "name": "x"},
        "issuanceDate": f"{certificate.issued_on.isoformat()}T00:00:00Z",
        "name": certificate.course_title_en,
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": {}},
    }
    key = SigningKey.objects.get(is_active=True)
    return signing.credential_sign(
        {
            "iss": vc["issuer"]["id"],
            "jti": vc["id"],
            "nbf": payload.epoch(vc["issuanceDate"]),
            "vc": vc,
        },
        private_key=private_key_load(key),
    )


def test_credentials_issued_before_keep_verifying_and_reissue_upgrades(
    client, certificate
):
    legacy = _legacy_token(certificate)
    Certificate.objects.filter(pk=certificate.pk).update(credential=legacy)
    certificate.refresh_from_db()
    assert pyjwt.get_unverified_header(legacy)["kid"] == certificate.key_id
    report = verification.credential_check(
        legacy,
        jwks=client.get("/.well-known/jwks.json").json(),
        list_tokens={},
        now=dt.datetime.now(dt.UTC),
    )
    assert report.signature_ok and report.period == "valid"
    assert report.revocation == "no_status" and report.ok
    page = client.get(reverse("certificates:detail", args=[certificate.code]))
    assert page.context["signature_ok"] is True
    new = services.certificate_reissue(certificate=certificate, actor=None)
    vc = signing.unverified_claims(new.credential)["vc"]
    assert "validFrom" in vc and "credentialStatus" in vc
    assert schema_errors(vc) == []


def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network is off")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def _verify(*args) -> str:
    out = StringIO()
    call_command("verify_certificate", *map(str, args), stdout=out)
    return out.getvalue()


def test_verify_certificate_offline_with_the_bundle(
    certificate, tmp_path, monkeypatch, settings
):
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(certificate.pdf.read())
    bundle = tmp_path / "bundle.json"
    call_command(
        "export_verification_bundle", "--output", str(bundle), stdout=StringIO()
    )
    data = json.loads(bundle.read_text())
    assert set(data) == {"issuer", "jwks", "status_lists", "exported_at"}
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(data["jwks"]))
    [(list_url, list_token)] = data["status_lists"].items()
    status_list = tmp_path / "status.jwt"
    status_list.write_text(list_token)

    _no_network(monkeypatch)
    out = _verify(pdf, "--jwks", bundle)
    assert "signature: valid" in out and "validity:  valid" in out
    assert "not revoked (status list)" in out and "not asked (offline)" in out
    assert "Verified." in out
    out = _verify(pdf, "--jwks", jwks, "--status-list", status_list)
    assert "not revoked (status list)" in out and "Verified." in out
    out = _verify(pdf, "--jwks", jwks)
    assert "not checked (no status list given)" in out
    monkeypatch.undo()

    services.certificate_revoke(certificate=certificate, actor=None, reason="Fraud")
    call_command(
        "export_verification_bundle", "--output", str(bundle), stdout=StringIO()
    )
    _no_network(monkeypatch)
    with pytest.raises(CommandError, match="did not verify"):
        _verify(pdf, "--jwks", bundle)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_certificate", str(pdf), "--jwks", str(bundle), stdout=out)
    assert "REVOKED (status list)" in out.getvalue()
    # A status list signed by another key is not trusted.
    other = signing.key_generate()
    forged = signing.credential_sign(
        signing.unverified_claims(list_token), private_key=other
    )
    status_list.write_text(forged)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "verify_certificate",
            str(pdf),
            "--jwks",
            str(jwks),
            "--status-list",
            str(status_list),
            stdout=out,
        )
    assert "CANNOT BE CHECKED" in out.getvalue()


def _readme_example() -> str:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    start = readme.index("# verify_sala.py")
    return readme[start : readme.index("```", start)]


@pytest.mark.django_db(transaction=True)
def test_the_readme_example_verifies_a_certificate_against_a_live_server(
    migrated_data, live_server, completed, tmp_path, settings
):
    settings.CERTIFICATES_SITE_URL = live_server.url
    certificate = services.certificate_issue(
        user=completed["user"], course_key=completed["course"].translation_key
    ).certificate
    script = tmp_path / "verify_sala.py"
    script.write_text(_readme_example())
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(certificate.pdf.read())

    def run():
        return subprocess.run(
            [sys.executable, str(script), str(pdf), live_server.url],
            capture_output=True,
            text=True,
            timeout=60,
        )

    result = run()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("valid")
    assert certificate.course_title_en in result.stdout
    services.certificate_revoke(certificate=certificate, actor=None, reason="Fraud")
    assert run().stdout.strip().endswith("REVOKED")
