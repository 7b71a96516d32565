"""A certificate's content and its Open Badges 3.0 credential: pure functions.

Nothing here touches the database or a request: the services gather the facts into
a ``CertificateContent`` and these functions turn it into the credential that is
signed, and into the dates and labels printed on the PDF.

The credential follows Open Badges 3.0.3 on the W3C Verifiable Credentials Data
Model 2.0, secured as a VC-JWT (``vc`` claim; ``iss``, ``sub``, ``jti``, ``nbf``,
``iat`` and ``exp`` mirror the credential):

- ``validFrom`` is the instant of issue and ``validUntil`` the end of the expiry
  day, both written in the issuing site's time zone with its offset;
- every identifier is an https URL of the site or a ``urn:uuid:`` holding a real
  UUID; identifiers that are not rows of their own (a contest's merit award, the
  result descriptions and levels) are name-based UUIDs (RFC 9562 version 5) under
  the course's or contest's key, so they are the same in every credential;
- ``credentialSubject.id`` is the holder's subject id (a random UUID per person,
  the same across their certificates), and the names printed on the certificate
  ride along as ``identifier`` entries of type ``name``;
- ``credentialStatus`` points at one bit of a W3C Bitstring Status List.

Credentials issued before (VC 1.1 context, ``issuanceDate``) stay as they were
signed; ``certificates.verification`` reads both.
"""

import calendar
import datetime as dt
import uuid
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from courses.khmer import to_khmer_digits

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_CONTEXT_V1 = "https://www.w3.org/2018/credentials/v1"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
STATUS_PURPOSE = "revocation"
# Khmer labels ride along as schema.org alternateName, tagged as Khmer.
KHMER_CONTEXT = {
    "alternateName": {"@id": "https://schema.org/alternateName", "@language": "km"}
}

KHMER_MONTHS = [
    "មករា",
    "កុម្ភៈ",
    "មីនា",
    "មេសា",
    "ឧសភា",
    "មិថុនា",
    "កក្កដា",
    "សីហា",
    "កញ្ញា",
    "តុលា",
    "វិច្ឆិកា",
    "ធ្នូ",
]
ENGLISH_MONTHS = [calendar.month_name[number] for number in range(1, 13)]


@dataclass(frozen=True)
class CompetenceReached:
    """A competence the course develops and the level the holder reached on it:
    ``level_*`` empty when no level was reached, ``assessed`` telling whether a
    question of it was answered (then it is "below" the framework's first level,
    named in ``first_level_name_*``)."""

    code: str
    name_km: str
    name_en: str
    level_code: str = ""
    level_rank: int = 0
    level_name_km: str = ""
    level_name_en: str = ""
    assessed: bool = False
    first_level_name_km: str = ""
    first_level_name_en: str = ""


@dataclass(frozen=True)
class Party:
    """An issuer or institution, named in both languages."""

    name_km: str
    name_en: str


@dataclass(frozen=True)
class CertificateContent:
    """Everything a certificate states. Stored with the certificate as JSON
    (``Certificate.content``) and signed as a credential."""

    code: str
    holder_name_km: str
    holder_name_latin: str
    course_key: str
    course_title_km: str
    course_title_en: str
    issued_on: dt.date
    issuer: Party
    institution: Party | None = None
    framework_name_en: str = ""
    competences: tuple[CompetenceReached, ...] = field(default_factory=tuple)
    score: Decimal | None = None
    expires_on: dt.date | None = None
    wording_km: str = ""
    wording_en: str = ""
    template_version: int = 1
    # "course", or for a competition "participation" or "merit"; a merit
    # certificate states the rank reached among ``rank_of`` contestants ranked.
    kind: str = "course"
    rank: int | None = None
    rank_of: int | None = None
    rank_tied: bool = False
    # The instant of issue (aware, in the site's time zone), the holder's subject id
    # and the status list bit. Empty in content signed before credentials carried
    # them (VC 1.1 shape).
    issued_at: dt.datetime | None = None
    subject_id: str = ""
    status_list_url: str = ""
    status_list_index: int | None = None

    @property
    def for_contest(self) -> bool:
        return self.kind != "course"

    def as_json(self) -> dict:
        """JSON-safe dict; ``content_from_json`` reads it back."""
        data = asdict(self)
        data["issued_on"] = self.issued_on.isoformat()
        data["issued_at"] = self.issued_at.isoformat() if self.issued_at else None
        data["expires_on"] = self.expires_on.isoformat() if self.expires_on else None
        data["score"] = str(self.score) if self.score is not None else None
        data["competences"] = [asdict(c) for c in self.competences]
        return data


def content_from_json(data: dict) -> CertificateContent:
    data = dict(data)
    data["issued_on"] = dt.date.fromisoformat(data["issued_on"])
    if data.get("issued_at"):
        data["issued_at"] = dt.datetime.fromisoformat(data["issued_at"])
    if data.get("expires_on"):
        data["expires_on"] = dt.date.fromisoformat(data["expires_on"])
    if data.get("score") is not None:
        data["score"] = Decimal(data["score"])
    data["issuer"] = Party(**data["issuer"])
    if data.get("institution"):
        data["institution"] = Party(**data["institution"])
    data["competences"] = tuple(CompetenceReached(**c) for c in data["competences"])
    return CertificateContent(**data)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def date_khmer(day: dt.date) -> str:
    """``ថ្ងៃទី១២ ខែមេសា ឆ្នាំ២០២៥``: Khmer month name and Khmer digits."""
    day_number = to_khmer_digits(day.day)
    year = to_khmer_digits(day.year)
    return f"ថ្ងៃទី{day_number} ខែ{KHMER_MONTHS[day.month - 1]} ឆ្នាំ{year}"


def date_english(day: dt.date) -> str:
    """``12 April 2025``."""
    return f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"


def score_text(score: Decimal | None, *, khmer: bool = False) -> str:
    if score is None:
        return ""
    text = f"{score.quantize(Decimal('1')) if score == int(score) else score}%"
    return to_khmer_digits(text) if khmer else text


def rank_text(content: CertificateContent, *, khmer: bool = False) -> str:
    """``Rank 3 of 120`` (``Rank 3 (tied) of 120``) for a merit certificate."""
    if content.rank is None:
        return ""
    if khmer:
        tied = " (ស្មើ)" if content.rank_tied else ""
        rank, of = to_khmer_digits(content.rank), to_khmer_digits(content.rank_of or 0)
        return f"ចំណាត់ថ្នាក់ទី{rank}{tied} ក្នុងចំណោមបេក្ខជន {of} នាក់"
    tied = " (tied)" if content.rank_tied else ""
    return f"Rank {content.rank}{tied} of {content.rank_of} contestants"


# What each kind of certificate is, in Open Badges 3.0 terms: achievement type and
# the criteria narrative.
ACHIEVEMENTS = {
    "course": ("Certificate", "Completed every required part of the course."),
    "participation": (
        "Achievement",
        "Sat the competition and submitted an answer sheet that was scored.",
    ),
    "merit": (
        "Award",
        "Ranked among the merit places of the competition: by score, then time "
        "used, then submission time.",
    ),
}


def issuer_url(site_url: str) -> str:
    """The issuer's Profile document: the site as the signing organisation."""
    return f"{site_url}/issuer"


def key_url(site_url: str, thumbprint: str) -> str:
    """The ``kid`` of a signing key: a URL that answers with its public JWK."""
    return f"{site_url}/issuer/keys/{thumbprint}"


def status_list_url(site_url: str, list_id: int) -> str:
    return f"{site_url}/api/v1/status/{list_id}"


def framework_anchor(code: str) -> str:
    """The anchor of a competence on the public framework page."""
    from django.utils.text import slugify

    return f"competence-{slugify(code)}"


def name_uuid(namespace: str, name: str) -> str:
    """``urn:uuid:`` of the RFC 9562 name-based (SHA-1) UUID of ``name`` under the
    UUID ``namespace``: stable, and a real UUID."""
    return f"urn:uuid:{uuid.uuid5(uuid.UUID(namespace), name)}"


def _instant(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat(timespec="seconds")


def valid_until(content: CertificateContent) -> dt.datetime | None:
    """The end of the expiry day, in the time zone the certificate was issued in
    (the certificate is valid through its expiry date)."""
    if not content.expires_on or content.issued_at is None:
        return None
    return dt.datetime.combine(
        content.expires_on + dt.timedelta(days=1),
        dt.time.min,
        tzinfo=content.issued_at.tzinfo,
    )


def _result_description(identifier, name_en, name_km, result_type, **more):
    return {
        "id": identifier,
        "type": ["ResultDescription"],
        "name": name_en,
        "alternateName": name_km,
        "resultType": result_type,
        **more,
    }


def credential_build(
    content: CertificateContent, *, verify_url: str, site_url: str
) -> dict:
    """The Open Badges 3.0 ``OpenBadgeCredential`` (VC Data Model 2.0) for a
    certificate. ``verify_url`` is its public page and the credential's id;
    ``site_url`` the issuing site, without a trailing slash. ``content`` must carry
    ``issued_at`` and ``subject_id``."""
    if content.issued_at is None or not content.subject_id:
        raise ValueError("The content has no instant of issue or subject id.")
    if content.for_contest:
        achievement_id = name_uuid(content.course_key, content.kind)
    else:
        achievement_id = f"urn:uuid:{uuid.UUID(content.course_key)}"
    achievement_uuid = achievement_id.removeprefix("urn:uuid:")
    framework_url = f"{site_url}/en/framework/"
    result_descriptions, results, alignments = [], [], []
    if content.rank is not None:
        rank_id = name_uuid(achievement_uuid, "rank")
        result_descriptions.append(
            _result_description(rank_id, "Rank", "ចំណាត់ថ្នាក់", "Result")
        )
        results.append(
            {
                "type": ["Result"],
                "resultDescription": rank_id,
                "value": f"{content.rank}/{content.rank_of}",
            }
        )
    if content.score is not None:
        score_id = name_uuid(achievement_uuid, "score")
        result_descriptions.append(
            _result_description(
                score_id,
                "Score",
                "ពិន្ទុ",
                "Percent",
                valueMin="0",
                valueMax="100",
            )
        )
        results.append(
            {
                "type": ["Result"],
                "resultDescription": score_id,
                "value": str(content.score),
            }
        )
    for competence in content.competences:
        alignment = {
            "type": ["Alignment"],
            "targetName": competence.name_en,
            "alternateName": competence.name_km,
            "targetCode": competence.code,
            "targetFramework": content.framework_name_en,
            "targetType": "CFItem",
            "targetUrl": f"{framework_url}#{framework_anchor(competence.code)}",
        }
        alignments.append(alignment)
        if not competence.level_code:
            continue
        description_id = name_uuid(achievement_uuid, f"competence {competence.code}")
        level_id = name_uuid(
            description_id.removeprefix("urn:uuid:"), f"level {competence.level_code}"
        )
        result_descriptions.append(
            _result_description(
                description_id,
                competence.name_en,
                competence.name_km,
                "RubricCriterionLevel",
                alignment=[alignment],
                rubricCriterionLevel=[
                    {
                        "id": level_id,
                        "type": ["RubricCriterionLevel"],
                        "name": competence.level_name_en,
                        "alternateName": competence.level_name_km,
                        "level": competence.level_code,
                    }
                ],
            )
        )
        results.append(
            {
                "type": ["Result"],
                "resultDescription": description_id,
                "achievedLevel": level_id,
            }
        )
    issuer = {
        "id": issuer_url(site_url),
        "type": ["Profile"],
        "name": content.issuer.name_en,
        "alternateName": content.issuer.name_km,
        "url": f"{site_url}/",
    }
    if content.institution is not None:
        issuer["parentOrg"] = {
            "id": name_uuid(
                achievement_uuid, f"institution {content.institution.name_en}"
            ),
            "type": ["Profile"],
            "name": content.institution.name_en,
            "alternateName": content.institution.name_km,
        }
    achievement_type, criteria = ACHIEVEMENTS.get(content.kind, ACHIEVEMENTS["course"])
    achievement = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": achievement_type,
        "name": content.course_title_en,
        "alternateName": content.course_title_km,
        "description": content.wording_en or content.course_title_en,
        "criteria": {"narrative": criteria},
        "inLanguage": "en",
        "version": str(content.template_version),
    }
    if alignments:
        achievement["alignment"] = alignments
    if result_descriptions:
        achievement["resultDescription"] = result_descriptions
    subject = {
        "id": content.subject_id,
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": name,
            }
            for name in (content.holder_name_latin, content.holder_name_km)
            if name
        ],
        "achievement": achievement,
    }
    if results:
        subject["result"] = results
    credential = {
        "@context": [VC_CONTEXT, OB_CONTEXT, KHMER_CONTEXT],
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer,
        "validFrom": _instant(content.issued_at),
        "name": content.course_title_en,
        "credentialSubject": subject,
    }
    until = valid_until(content)
    if until is not None:
        credential["validUntil"] = _instant(until)
    if content.status_list_url and content.status_list_index is not None:
        credential["credentialStatus"] = status_entry(
            content.status_list_url, content.status_list_index
        )
    return credential


def status_entry(list_url: str, index: int) -> dict:
    """A ``BitstringStatusListEntry`` for bit ``index`` of the list at ``list_url``."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": STATUS_PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def jwt_claims(credential: dict) -> dict:
    """The VC-JWT claims for a credential: ``vc`` holds it, the registered claims
    repeat its issuer, id, subject and validity (``nbf`` = ``iat`` = the instant of
    issue)."""
    issuer = credential["issuer"]
    claims = {
        "iss": issuer["id"] if isinstance(issuer, dict) else issuer,
        "jti": credential["id"],
        "vc": credential,
    }
    subject = credential.get("credentialSubject", {})
    if isinstance(subject, dict) and subject.get("id"):
        claims["sub"] = subject["id"]
    start = credential.get("validFrom") or credential.get("issuanceDate")
    claims["nbf"] = claims["iat"] = epoch(start)
    end = credential.get("validUntil") or credential.get("expirationDate")
    if end:
        claims["exp"] = epoch(end)
    return claims


def epoch(timestamp: str) -> int:
    """Seconds since the epoch of an XML Schema dateTime with its offset."""
    moment = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return int(moment.timestamp())
