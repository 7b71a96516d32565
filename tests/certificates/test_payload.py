"""The credential built from a certificate's content, signed and verified (pure)."""

import datetime as dt
import json
from decimal import Decimal

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
)
VERIFY = "https://sala.example/verify/23456789ABCDEFGS/"


def build():
    return payload.credential_build(
        CONTENT, verify_url=VERIFY, site_url="https://sala.example"
    )


def test_credential_is_an_open_badges_3_credential_with_every_field():
    vc = build()
    assert vc["@context"][:2] == [payload.VC_CONTEXT, payload.OB_CONTEXT]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"] == VERIFY
    assert vc["issuanceDate"] == "2025-04-12T00:00:00Z"
    assert vc["expirationDate"] == "2028-04-12T00:00:00Z"
    assert vc["issuer"]["name"] == "Test issuer"
    assert vc["issuer"]["alternateName"] == "អ្នកចេញសាកល្បង"
    subject = vc["credentialSubject"]
    names = {i["identityHash"] for i in subject["identifier"]}
    assert names == {"SOK Dara", "សុខ ដារ៉ា"}
    achievement = subject["achievement"]
    assert achievement["name"] == "Staying safe online"
    assert achievement["alternateName"] == "សុវត្ថិភាពលើអ៊ីនធឺណិត"
    assert [a["targetCode"] for a in achievement["alignment"]] == ["4.2", "1.2"]
    results = {r["resultDescription"]: r for r in subject["result"]}
    score_id = f"urn:uuid:{CONTENT.course_key}:score"
    assert results[score_id]["value"] == "85.50"
    level = next(r for r in subject["result"] if "achievedLevel" in r)
    assert level["achievedLevel"].endswith(":competence:4.2:level:L2")
    # An unassessed competence is aligned but has no result.
    assert len(subject["result"]) == 2


def test_content_round_trips_through_json():
    data = json.loads(json.dumps(CONTENT.as_json()))
    assert payload.content_from_json(data) == CONTENT


def test_signed_credential_verifies_and_any_change_breaks_it():
    key = signing.key_generate()
    jwks = {"keys": [signing.public_jwk(key.public_key())]}
    claims = payload.jwt_claims(build())
    token = signing.credential_sign(claims, private_key=key)
    assert signing.credential_verify(token, jwks=jwks) == claims
    assert claims["iss"] == "https://sala.example/" and claims["jti"] == VERIFY

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
