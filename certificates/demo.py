"""The demo certificate templates (idempotent): one bilingual template for every demo
course and two for the demo competition (participation and merit), from an issuer
clearly marked as a demonstration, with fictional signatories; and a signing key if
there is none."""

from django.db import transaction

from certificates.models import (
    CertificateTemplate,
    TemplateContest,
    TemplateCourse,
    TemplateSignatory,
)
from certificates.services import signing_key_ensure
from courses.models import CoursePage

DEMO_TEMPLATE = {
    "name": "Sala demo certificate",
    "title_km": "វិញ្ញាបនបត្របញ្ចប់វគ្គសិក្សា",
    "title_en": "Certificate of course completion",
    "statement_km": "បានបញ្ចប់វគ្គសិក្សាដោយជោគជ័យ",
    "statement_en": "has successfully completed the course",
    "issuer_name_km": "អ្នកចេញវិញ្ញាបនបត្រសាកល្បងរបស់សាលា",
    "issuer_name_en": "Sala demo issuer",
    "institution_name_km": "កម្មវិធីអក្ខរកម្មឌីជីថល ប្រព័ន្ធផ្សព្វផ្សាយ និងព័ត៌មាន "
    "(សម្រាប់សាកល្បងតែប៉ុណ្ណោះ)",
    "institution_name_en": "Digital, media and information literacy programme "
    "(demonstration only)",
    "validity_months": 36,
    "is_default": True,
}
_DEMO_ISSUER = {
    key: DEMO_TEMPLATE[key]
    for key in (
        "issuer_name_km",
        "issuer_name_en",
        "institution_name_km",
        "institution_name_en",
    )
}
DEMO_CONTEST_TEMPLATES = {
    TemplateContest.Award.PARTICIPATION: {
        "name": "Sala demo competition participation",
        "title_km": "វិញ្ញាបនបត្រនៃការចូលរួម",
        "title_en": "Certificate of participation",
        "statement_km": "បានចូលរួមក្នុងការប្រកួតប្រជែង",
        "statement_en": "took part in the competition",
        **_DEMO_ISSUER,
    },
    TemplateContest.Award.MERIT: {
        "name": "Sala demo competition merit",
        "title_km": "វិញ្ញាបនបត្រកិត្តិយស",
        "title_en": "Certificate of merit",
        "statement_km": "បានទទួលចំណាត់ថ្នាក់លេចធ្លោក្នុងការប្រកួតប្រជែង",
        "statement_en": "earned a merit place in the competition",
        **_DEMO_ISSUER,
    },
}
DEMO_SIGNATORIES = [
    {
        "name_km": "កែវ សុវណ្ណ",
        "name_en": "KEO Sovann",
        "title_km": "នាយកកម្មវិធី (សាកល្បង)",
        "title_en": "Programme director (demo)",
    },
    {
        "name_km": "លឹម ច័ន្ទនារី",
        "name_en": "LIM Channary",
        "title_km": "ប្រធានការបណ្តុះបណ្តាល (សាកល្បង)",
        "title_en": "Head of training (demo)",
    },
]


@transaction.atomic
def demo_certificate_templates_load() -> list[CertificateTemplate]:
    """Create the demo template (left as it is when it exists, so editors' changes
    survive) and link every course to it; make sure a signing key exists."""
    signing_key_ensure()
    template = _template_ensure(DEMO_TEMPLATE)
    linked = set(
        TemplateCourse.objects.filter(template=template).values_list(
            "course__translation_key", flat=True
        )
    )
    courses = {}
    for course in CoursePage.objects.select_related("locale").order_by("pk"):
        courses.setdefault(course.translation_key, course)
    order = len(linked)
    for key, course in courses.items():
        if key in linked:
            continue
        TemplateCourse.objects.create(
            template=template, course=course, sort_order=order
        )
        order += 1
    return [template]


def _template_ensure(fields: dict) -> CertificateTemplate:
    template = CertificateTemplate.objects.filter(name=fields["name"]).first()
    if template is None:
        template = CertificateTemplate.objects.create(**fields)
        for order, signatory in enumerate(DEMO_SIGNATORIES):
            TemplateSignatory.objects.create(
                template=template, sort_order=order, **signatory
            )
    return template


@transaction.atomic
def demo_contest_templates_load(contest) -> list[CertificateTemplate]:
    """The competition's participation and merit templates, each listing
    ``contest`` (left as they are when they exist)."""
    templates = []
    for award, fields in DEMO_CONTEST_TEMPLATES.items():
        template = _template_ensure(fields)
        TemplateContest.objects.get_or_create(
            template=template, contest=contest, award=award
        )
        templates.append(template)
    return templates
