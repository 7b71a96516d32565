"""The credential built from a certificate's content, signed and verified (pure)."""

import dataclasses
import datetime as dt
import json
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates import payload, signing
from certificates.payload import CertificateContent, CompetenceReached, Party

CONTENT = CertificateContent(
    code="23456789ABCDEFGS",
    holder_name_km="សុខ ដារ៉ា",
    holder_name_latin="SOK Dara",
    course_key="0b6f2a58-3d55-4b8a-9f61-0cb1d8d1e001",
    course_title_km="សុវត្ថិភាពលើអ៊ីនធឺណិត",
    course_title_en="Staying safe online",
    issued_on=dt.date(2025, 4, 12),
    issuer=Party("អ្នកចេញសាកល្បង", "Test issuer"),
    institution=Party("ស្ថាប័ន", "Institution"),
    framework_name_en="DMIL",
    competences=(
        CompetenceReached(
            "4.2",
            "ការការពារទិន្នន័យផ្ទាល់ខ្លួន",
            "Protecting personal data",
            "L2",
            2,
            "មធ្យម",
            "Intermediate",
        ),
        CompetenceReached("1.2", "ការវាយតម្លៃព័ត៌មាន", "Evaluating information"),
    ),
    score=Decimal("85.50"),
    expires_on=dt.date(2028, 4, 12),
    issued_at=dt.datetime(2025, 4, 12, 1, 5, 9, tzinfo=ZoneInfo("Asia/Phnom_Penh")),
    subject_id="urn:uuid:5f1b8a5e-7a52-4c43-9c5e-3a3e8a6e2b10",
    status_list_url="https://sala.example/api/v1/status/1",
    status_list_index=94567,
)
VERIFY = "https://sala.example/verify/23456789ABCDEFGS/"


def build():
    return payload.credential_build(
        CONTENT, verify_url=VERIFY, site_url="https://sala.example"
    )


def _is_uuid_urn(value):
    assert value.startswith("urn:uuid:"), value
    return uuid.UUID(value.removeprefix("urn:uuid:"))


def test_credential_is_an_open_badges_3_credential_with_every_field():
    vc = build()
    assert vc["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"] == VERIFY
    # The instant of issue with its offset; valid through the expiry day.
    assert vc["validFrom"] == "2025-04-12T01:05:09+07:00"
    assert vc["validUntil"] == "2028-04-13T00:00:00+07:00"
    assert "issuanceDate" not in vc and "expirationDate" not in vc
    assert vc["issuer"]["id"] == "https://sala.example/issuer"
    assert vc["issuer"]["name"] == "Test issuer"
    assert vc["issuer"]["alternateName"] == "អ្នកចេញសាកល្បង"
    subject = vc["credentialSubject"]
    assert subject["id"] == CONTENT.subject_id
    names = {i["identityHash"] for i in subject["identifier"]}
    assert names == {"SOK Dara", "សុខ ដារ៉ា"}
    achievement = subject["achievement"]
    assert achievement["id"] == f"urn:uuid:{CONTENT.course_key}"
    assert achievement["name"] == "Staying safe online"
    assert achievement["alternateName"] == "សុវត្ថិភាពលើអ៊ីនធឺណិត"
    assert [a["targetCode"] for a in achievement["alignment"]] == ["4.2", "1.2"]
    assert [a["targetUrl"] for a in achievement["alignment"]] == [
        "https://sala.example/en/framework/#competence-42",
        "https://sala.example/en/framework/#competence-12",
    ]
    descriptions = {d["name"]: d for d in achievement["resultDescription"]}
    score_id = descriptions["Score"]["id"]
    results = {r["resultDescription"]: r for r in subject["result"]}
    assert results[score_id]["value"] == "85.50"
    level = next(r for r in subject["result"] if "achievedLevel" in r)
    competence = descriptions["Protecting personal data"]
    assert level["resultDescription"] == competence["id"]
    assert level["achievedLevel"] == competence["rubricCriterionLevel"][0]["id"]
    # An unassessed competence is aligned but has no result.
    assert len(subject["result"]) == 2
    assert vc["credentialStatus"] == {
        "id": "https://sala.example/api/v1/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://sala.example/api/v1/status/1",
    }


def test_every_identifier_is_an_https_url_or_a_real_uuid():
    """No ``urn:uuid:<uuid>:suffix`` identifiers: derived ones are name-based
    UUIDs, the same in every credential of the course."""
    vc = build()

    def ids(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("id", "resultDescription", "achievedLevel") and isinstance(
                    value, str
                ):
                    yield value
                yield from ids(value)
        elif isinstance(node, list):
            for item in node:
                yield from ids(item)

    found = list(ids(vc))
    assert len(found) > 10
    for identifier in found:
        if identifier.startswith("urn:"):
            _is_uuid_urn(identifier)
        else:
            assert identifier.startswith("https://sala.example/"), identifier
    again = payload.credential_build(
        dataclasses.replace(CONTENT, code="X", subject_id="urn:uuid:" + "0" * 32),
        verify_url=VERIFY,
        site_url="https://sala.example",
    )
    assert (
        again["credentialSubject"]["achievement"]
        == vc["credentialSubject"]["achievement"]
    )


def test_a_contest_award_has_its_own_uuid_per_kind():
    merit = dataclasses.replace(CONTENT, kind="merit", rank=2, rank_of=9)
    participation = dataclasses.replace(CONTENT, kind="participation")
    ids = set()
    for content in (merit, participation):
        vc = payload.credential_build(
            content, verify_url=VERIFY, site_url="https://sala.example"
        )
        ids.add(_is_uuid_urn(vc["credentialSubject"]["achievement"]["id"]))
    assert len(ids) == 2 and uuid.UUID(CONTENT.course_key) not in ids


def test_claims_mirror_the_credential():
    claims = payload.jwt_claims(build())
    issued = dt.datetime(2025, 4, 11, 18, 5, 9, tzinfo=dt.UTC).timestamp()
    assert claims["nbf"] == claims["iat"] == int(issued)
    assert claims["exp"] == int(
        dt.datetime(2028, 4, 12, 17, 0, tzinfo=dt.UTC).timestamp()
    )
    assert claims["sub"] == CONTENT.subject_id
    assert claims["iss"] == "https://sala.example/issuer"
    assert claims["jti"] == VERIFY


def test_content_round_trips_through_json():
    data = json.loads(json.dumps(CONTENT.as_json()))
    assert payload.content_from_json(data) == CONTENT


def test_signed_credential_verifies_and_any_change_breaks_it():
    key = signing.key_generate()
    jwks = {"keys": [signing.public_jwk(key.public_key())]}
    claims = payload.jwt_claims(build())
    token = signing.credential_sign(claims, private_key=key)
    assert signing.credential_verify(token, jwks=jwks) == claims
    assert claims["iss"] == "https://sala.example/issuer" and claims["jti"] == VERIFY

    header, body, signature = token.split(".")
    forged = dict(claims)
    forged["vc"] = {**claims["vc"], "name": "Another course"}
    forged_body = signing.jwt.utils.base64url_encode(
        json.dumps(forged).encode()
    ).decode()
    with pytest.raises(signing.SignatureInvalid):
        signing.credential_verify(f"{header}.{forged_body}.{signature}", jwks=jwks)
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    with pytest.raises(signing.SignatureInvalid):
        signing.credential_verify(f"{header}.{body}.{flipped}", jwks=jwks)


def test_verification_picks_the_key_by_id_so_old_keys_keep_verifying():
    old, new = signing.key_generate(), signing.key_generate()
    claims = payload.jwt_claims(build())
    old_token = signing.credential_sign(claims, private_key=old)
    jwks = {"keys": [signing.public_jwk(k.public_key()) for k in (new, old)]}
    assert signing.credential_verify(old_token, jwks=jwks)["jti"] == VERIFY
    with pytest.raises(signing.SignatureInvalid, match="Unknown key"):
        signing.credential_verify(
            old_token, jwks={"keys": [signing.public_jwk(new.public_key())]}
        )


def test_a_key_url_kid_and_a_bare_thumbprint_find_the_same_key():
    key = signing.key_generate()
    thumbprint = signing.key_id(key.public_key())
    url = f"https://sala.example/issuer/keys/{thumbprint}"
    claims = payload.jwt_claims(build())
    new_token = signing.credential_sign(claims, private_key=key, kid=url)
    old_token = signing.credential_sign(claims, private_key=key)
    published = {"keys": [{**signing.public_jwk(key.public_key()), "kid": url}]}
    saved = {"keys": [signing.public_jwk(key.public_key())]}
    for token in (new_token, old_token):
        for jwks in (published, saved):
            assert signing.credential_verify(token, jwks=jwks)["jti"] == VERIFY


def test_an_other_algorithm_is_refused():
    token = signing.jwt.encode(
        {"a": 1}, "a-shared-secret-of-thirty-two-bytes!", algorithm="HS256"
    )
    with pytest.raises(signing.SignatureInvalid, match="algorithm"):
        signing.credential_verify(token, jwks={"keys": []})


def test_private_key_round_trips_encrypted():
    key = signing.key_generate()
    pem = signing.private_key_to_pem(key, passphrase=b"secret")
    assert "ENCRYPTED" in pem
    again = signing.private_key_from_pem(pem, passphrase=b"secret")
    assert signing.key_id(again.public_key()) == signing.key_id(key.public_key())
    with pytest.raises(ValueError):
        signing.private_key_from_pem(pem, passphrase=b"wrong")


def test_khmer_and_english_dates():
    assert payload.date_khmer(dt.date(2024, 6, 27)) == "ថ្ងៃទី២៧ ខែមិថុនា ឆ្នាំ២០២៤"
    assert payload.date_english(dt.date(2024, 6, 27)) == "27 June 2024"
    assert payload.score_text(Decimal("85.00"), khmer=True) == "៨៥%"
    assert payload.score_text(Decimal("85.50")) == "85.50%"


@given(st.dates(min_value=dt.date(2000, 1, 1)), st.integers(0, 120))
def test_add_months_keeps_the_day_or_the_month_end(day, months):
    later = payload.add_months(day, months)
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert (
        later.day == day.day
        or later.day < day.day
        and (later + dt.timedelta(days=1)).day == 1
    )
