"""A certificate's content and its Open Badges 3.0 credential: pure functions.

Nothing here touches the database or a request: the services gather the facts into
a ``CertificateContent`` and these functions turn it into the credential that is
signed, and into the dates and labels printed on the PDF.
"""

import calendar
import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from courses.khmer import to_khmer_digits

VC_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
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
    """A competence the course develops and the level the holder reached on it
    (``level_*`` empty when no assessment measured it)."""

    code: str
    name_km: str
    name_en: str
    level_code: str = ""
    level_rank: int = 0
    level_name_km: str = ""
    level_name_en: str = ""


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

    @property
    def for_contest(self) -> bool:
        return self.kind != "course"

    def as_json(self) -> dict:
        """JSON-safe dict; ``content_from_json`` reads it back."""
        data = asdict(self)
        data["issued_on"] = self.issued_on.isoformat()
        data["expires_on"] = self.expires_on.isoformat() if self.expires_on else None
        data["score"] = str(self.score) if self.score is not None else None
        data["competences"] = [asdict(c) for c in self.competences]
        return data


def content_from_json(data: dict) -> CertificateContent:
    data = dict(data)
    data["issued_on"] = dt.date.fromisoformat(data["issued_on"])
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


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def credential_build(
    content: CertificateContent, *, verify_url: str, site_url: str
) -> dict:
    """The Open Badges 3.0 ``OpenBadgeCredential`` (W3C VC data model 1.1) for a
    certificate. ``verify_url`` is its public page and the credential's id;
    ``site_url`` the issuing site, without a trailing slash."""
    achievement_id = f"urn:uuid:{content.course_key}"
    if content.for_contest:
        achievement_id = f"{achievement_id}:{content.kind}"
    score_id = f"{achievement_id}:score"
    result_descriptions, results, alignments = [], [], []
    if content.rank is not None:
        rank_id = f"{achievement_id}:rank"
        result_descriptions.append(
            {
                "id": rank_id,
                "type": ["ResultDescription"],
                "name": "Rank",
                "alternateName": "ចំណាត់ថ្នាក់",
                "resultType": "Result",
            }
        )
        results.append(
            {
                "type": ["Result"],
                "resultDescription": rank_id,
                "value": f"{content.rank}/{content.rank_of}",
            }
        )
    if content.score is not None:
        result_descriptions.append(
            {
                "id": score_id,
                "type": ["ResultDescription"],
                "name": "Score",
                "alternateName": "ពិន្ទុ",
                "resultType": "Percent",
            }
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
            "targetUrl": f"{site_url}/en/framework/#competence-{competence.code}",
        }
        alignments.append(alignment)
        if not competence.level_code:
            continue
        description_id = f"{achievement_id}:competence:{competence.code}"
        level_id = f"{description_id}:level:{competence.level_code}"
        result_descriptions.append(
            {
                "id": description_id,
                "type": ["ResultDescription"],
                "name": competence.name_en,
                "alternateName": competence.name_km,
                "resultType": "RubricCriterionLevel",
                "alignment": [alignment],
                "rubricCriterionLevel": [
                    {
                        "id": level_id,
                        "type": ["RubricCriterionLevel"],
                        "name": competence.level_name_en,
                        "alternateName": competence.level_name_km,
                        "level": competence.level_code,
                    }
                ],
            }
        )
        results.append(
            {
                "type": ["Result"],
                "resultDescription": description_id,
                "achievedLevel": level_id,
            }
        )
    issuer = {
        "id": f"{site_url}/",
        "type": ["Profile"],
        "name": content.issuer.name_en,
        "alternateName": content.issuer.name_km,
        "url": f"{site_url}/",
    }
    if content.institution is not None:
        issuer["parentOrg"] = {
            "id": f"{site_url}/#institution",
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
        "issuanceDate": _timestamp(content.issued_on),
        "name": content.course_title_en,
        "credentialSubject": subject,
    }
    if content.expires_on:
        credential["expirationDate"] = _timestamp(content.expires_on)
    return credential


def jwt_claims(credential: dict) -> dict:
    """The VC-JWT claims for a credential (VC data model 1.1, section 6.3.1)."""
    claims = {
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": _epoch(credential["issuanceDate"]),
        "vc": credential,
    }
    if "expirationDate" in credential:
        claims["exp"] = _epoch(credential["expirationDate"])
    return claims


def _epoch(timestamp: str) -> int:
    moment = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return int(moment.timestamp())
