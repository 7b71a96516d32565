"""The certificate's PDF: template layout, page context, rendering, preview."""

from django.utils import timezone

from certificates import payload, rendering, selectors
from certificates.codes import check_symbol, code_format
from certificates.models import CertificateTemplate
from certificates.payload import CertificateContent, Party

# --- Content and rendering ------------------------------------------------------


def template_layout(template: CertificateTemplate) -> dict:
    def image(img, alt, css_class):
        return rendering.image_tag(img.file.name, alt=alt, css_class=css_class)

    return {
        "title_km": template.title_km,
        "title_en": template.title_en,
        "statement_km": template.statement_km,
        "statement_en": template.statement_en,
        "issuer_logo": image(template.issuer_logo, template.issuer_name_en, "logo")
        if template.issuer_logo
        else "",
        "institution_logo": image(
            template.institution_logo, template.institution_name_en, "logo"
        )
        if template.institution_logo
        else "",
        "signatories": [
            {
                "name_km": s.name_km,
                "name_en": s.name_en,
                "title_km": s.title_km,
                "title_en": s.title_en,
                "signature": image(s.signature, s.name_en, "signature")
                if s.signature
                else "",
            }
            for s in template.signatories.select_related("signature").order_by(
                "sort_order", "pk"
            )
        ],
    }


def pdf_context(content: CertificateContent, layout: dict, verify_url: str) -> dict:
    code = code_format(content.code)
    return {
        "content": content,
        "layout": layout,
        "issuer_logo": layout["issuer_logo"],
        "institution_logo": layout["institution_logo"],
        "code_display": code,
        "verify_url": verify_url,
        "qr": rendering.qr_svg(verify_url),
        "issued_km": payload.date_khmer(content.issued_on),
        "issued_en": payload.date_english(content.issued_on),
        "expires_km": payload.date_khmer(content.expires_on)
        if content.expires_on
        else "",
        "expires_en": payload.date_english(content.expires_on)
        if content.expires_on
        else "",
        "score_km": payload.score_text(content.score, khmer=True),
        "score_en": payload.score_text(content.score),
        "rank_km": payload.rank_text(content, khmer=True),
        "rank_en": payload.rank_text(content),
        "document_title": " · ".join(
            part
            for part in (
                content.course_title_en,
                content.holder_name_latin or content.holder_name_km,
                code,
            )
            if part
        ),
    }


def certificate_pdf_build(
    *, content: CertificateContent, template: CertificateTemplate, credential=""
) -> bytes:
    """The certificate's PDF, with the signed credential attached when given."""
    verify_url = selectors.certificate_verify_url(content.code)
    html = rendering.certificate_html(
        pdf_context(content, template_layout(template), verify_url)
    )
    attachments = []
    if credential:
        attachments.append(
            (
                f"{content.code}.jwt",
                credential.encode("ascii"),
                "Open Badges 3.0 credential (VC-JWT, EdDSA)",
            )
        )
    return rendering.pdf_render(html, attachments=attachments)


# --- Preview --------------------------------------------------------------------


SAMPLE_CODE = "23456789ABCDEFG" + check_symbol("23456789ABCDEFG")


def template_preview_pdf(*, template: CertificateTemplate) -> bytes:
    """A sample certificate from ``template``, unsigned, for editors to check: for a
    sample course, or, when the template lists competitions and no course, for a
    sample competition (ranked third of 120 on a merit template)."""
    today = timezone.localdate()
    award = None
    if not template.courses.exists():
        award = (
            template.contests.order_by("sort_order", "pk")
            .values_list("award", flat=True)
            .first()
        )
    sample = {
        "course_title_km": "វគ្គសិក្សាគំរូ៖ សុវត្ថិភាពលើអ៊ីនធឺណិត",
        "course_title_en": "Sample course: staying safe online",
    }
    if award:
        sample = {
            "course_title_km": "ការប្រកួតប្រជែងគំរូ៖ អក្ខរកម្មឌីជីថល",
            "course_title_en": "Sample competition: digital literacy",
            "kind": award,
            "rank": 3 if award == "merit" else None,
            "rank_of": 120 if award == "merit" else None,
        }
    content = CertificateContent(
        code=SAMPLE_CODE,
        holder_name_km="សុខ ដារ៉ា",
        holder_name_latin="SOK Dara",
        course_key="00000000-0000-0000-0000-000000000000",
        issued_on=today,
        **sample,
        issuer=Party(name_km=template.issuer_name_km, name_en=template.issuer_name_en),
        institution=Party(
            name_km=template.institution_name_km, name_en=template.institution_name_en
        )
        if template.institution_name_en or template.institution_name_km
        else None,
        competences=selectors.sample_competences(),
        score=None,
        expires_on=payload.add_months(today, template.validity_months)
        if template.validity_months
        else None,
        wording_km=template.statement_km,
        wording_en=template.statement_en,
        template_version=template.version,
    )
    return certificate_pdf_build(content=content, template=template)
