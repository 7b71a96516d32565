"""The PDF: text comes back out exactly, the QR code decodes, only bundled fonts
are embedded, and untrusted text is neither markup nor a request."""

import datetime as dt
import socket
import unicodedata
from dataclasses import replace
from decimal import Decimal

import pytest
from pypdf import PdfReader

from certificates import rendering, services, verification
from certificates.payload import CertificateContent, CompetenceReached, Party
from tests.certificates.conftest import POPPLER, ZBAR, pdf_fonts, pdf_text, qr_codes

pytestmark = pytest.mark.skipif(not POPPLER, reason="needs poppler-utils")

HOLDER_KM = "ស្រី ពេជ្រ ញ៉ែម"  # shaping reuses glyphs across these clusters
HOLDER_LATIN = "NGUYỄN Thị Ánh"  # Latin beyond Latin-1
COURSE_KM = (
    "សុវត្ថិភាពលើអ៊ីនធឺណិត និងការការពារទិន្នន័យផ្ទាល់ខ្លួនសម្រាប់មន្ត្រីរាជការ"
    "នៅតាមក្រសួង និងស្ថាប័នសាធារណៈទាំងអស់នៅក្នុងព្រះរាជាណាចក្រកម្ពុជា"
)
COURSE_EN = "Staying safe online: personal data for civil servants"
CODE = "23456789ABCDEFGS"
LAYOUT = {
    "title_km": "វិញ្ញាបនបត្របញ្ចប់វគ្គសិក្សា",
    "title_en": "Certificate of completion",
    "statement_km": "បានបញ្ចប់វគ្គសិក្សា",
    "statement_en": "has completed the course",
    "issuer_logo": "",
    "institution_logo": "",
    "signatories": [
        {
            "name_km": "កែវ សុវណ្ណ",
            "name_en": "KEO Sovann",
            "title_km": "នាយក",
            "title_en": "Director",
            "signature": "",
        }
    ],
}
CONTENT = CertificateContent(
    code=CODE,
    holder_name_km=HOLDER_KM,
    holder_name_latin=HOLDER_LATIN,
    course_key="0b6f2a58-3d55-4b8a-9f61-0cb1d8d1e001",
    course_title_km=COURSE_KM,
    course_title_en=COURSE_EN,
    issued_on=dt.date(2025, 4, 12),
    expires_on=dt.date(2028, 4, 12),
    issuer=Party("អ្នកចេញវិញ្ញាបនបត្រសាកល្បង", "Test issuer"),
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
    ),
    score=Decimal("85.00"),
)
VERIFY = f"http://testserver/verify/{CODE}/"


def render(content, tmp_path, name="certificate.pdf"):
    html = rendering.certificate_html(services.pdf_context(content, LAYOUT, VERIFY))
    pdf = rendering.pdf_render(html, attachments=[("c.jwt", b"a.b.c", "credential")])
    path = tmp_path / name
    path.write_bytes(pdf)
    return path, html


@pytest.fixture(scope="module")
def certificate_pdf(tmp_path_factory):
    return render(CONTENT, tmp_path_factory.mktemp("pdf"))


def lines(path):
    return [
        rendering.extracted_text_normalize(line)
        for line in pdf_text(path).splitlines()
        if line.strip()
    ]


def test_names_and_titles_come_back_out_exactly(certificate_pdf):
    path, html = certificate_pdf
    extracted = lines(path)
    for entered in (HOLDER_KM, HOLDER_LATIN, COURSE_EN, "KEO Sovann", "កែវ សុវណ្ណ"):
        assert unicodedata.normalize("NFC", entered) in extracted
    # The long Khmer title wraps: its lines, joined, are the title as entered.
    start = next(i for i, line in enumerate(extracted) if COURSE_KM.startswith(line))
    joined = ""
    for line in extracted[start:]:
        joined += line
        if len(joined) >= len(COURSE_KM):
            break
    assert joined == COURSE_KM
    assert extracted.index(COURSE_KM[: len(extracted[start])]) == start
    assert extracted[start] != COURSE_KM, "expected the long Khmer title to wrap"
    # The HTML had zero-width spaces between Khmer words, the text has none.
    assert "\u200b" in html
    assert "\u200b" not in pdf_text(path)


def test_dates_in_khmer_digits_and_the_code(certificate_pdf):
    text = pdf_text(certificate_pdf[0])
    assert "ចេញនៅថ្ងៃទី១២ ខែមេសា ឆ្នាំ២០២៥" in text
    assert "Issued on 12 April 2025" in text
    assert "Valid until 12 April 2028" in text
    assert "2345-6789-ABCD-EFGS" in text
    assert "៨៥%" in text and "85%" in text


@pytest.mark.skipif(not ZBAR, reason="needs zbar-tools")
def test_qr_code_decodes_to_the_verification_url(certificate_pdf, tmp_path):
    assert qr_codes(certificate_pdf[0], tmp_path) == [VERIFY]


def test_only_the_bundled_fonts_are_embedded(certificate_pdf):
    fonts = pdf_fonts(certificate_pdf[0])
    assert fonts
    families = {name.split("+", 1)[1] for name in fonts}
    assert families <= {
        "Sala-Latin",
        "Sala-Latin-Bold",
        "Sala-Khmer",
        "Sala-Khmer-Bold",
    }
    assert {"Sala-Latin", "Sala-Khmer"} <= families


def test_metadata_language_and_attachment(certificate_pdf):
    reader = PdfReader(certificate_pdf[0])
    assert (
        reader.metadata.title == f"{COURSE_EN} · {HOLDER_LATIN} · 2345-6789-ABCD-EFGS"
    )
    assert reader.metadata.author == "Test issuer"
    assert reader.trailer["/Root"]["/Lang"] == "km"
    assert len(reader.pages) == 1
    assert verification.embedded_credential(certificate_pdf[0].read_bytes()) == "a.b.c"


@pytest.fixture
def listener():
    """A port on this machine that records whether anything connects to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.3)
    yield server
    server.close()


def _connected(server) -> bool:
    try:
        connection, _address = server.accept()
    except TimeoutError:
        return False
    connection.close()
    return True


def test_markup_in_a_name_is_text_and_fetches_nothing(listener, tmp_path):
    port = listener.getsockname()[1]
    name = f'<img src="http://127.0.0.1:{port}/">'
    path, html = render(
        replace(CONTENT, holder_name_latin=name, course_title_en=f"<b>{name}</b>"),
        tmp_path,
    )
    assert "<img src" not in html
    assert "&lt;img src=&quot;http://127.0.0.1" in html
    assert name in lines(path)
    assert not _connected(listener)


def test_the_fetcher_refuses_every_url_but_project_files(listener):
    port = listener.getsockname()[1]
    for url in (
        f"http://127.0.0.1:{port}/",
        "file:///etc/passwd",
        "sala://static/../../settings.py",
        "sala://elsewhere/x.png",
    ):
        html = f'<html><body><img src="{url}"><p>x</p></body></html>'
        with pytest.raises(rendering.RenderError, match="Refused"):
            rendering.pdf_render(html)
    css = f'<html><head><style>@import url("http://127.0.0.1:{port}/a.css");</style>'
    with pytest.raises(rendering.RenderError):
        rendering.pdf_render(css + "</head><body>x</body></html>")
    assert not _connected(listener)


def test_khmer_breakable_only_adds_zero_width_spaces():
    text = "ការការពារទិន្នន័យផ្ទាល់ខ្លួន and SOK"
    broken = rendering.khmer_breakable(text)
    assert broken.count("\u200b") >= 2
    assert broken.replace("\u200b", "") == text
    assert rendering.khmer_breakable("ក្ដី") == "ក្ដី"  # spelling kept as typed


def test_an_unreadable_project_file_fails_the_render(db):
    html = '<html><body><img src="sala://media/original_images/gone.png"></body></html>'
    with pytest.raises(rendering.RenderError, match="Could not read"):
        rendering.pdf_render(html)


CROWDED = replace(
    CONTENT,
    competences=tuple(
        CompetenceReached(
            f"{area}.{item}",
            "ការការពារទិន្នន័យផ្ទាល់ខ្លួន និងឯកជនភាពលើបណ្តាញសង្គម",
            "Protecting personal data and privacy on social networks",
            "L3",
            3,
            "ខ្ពស់",
            "Advanced",
        )
        for area in range(1, 4)
        for item in range(1, 3)
    ),
    institution=Party("ស្ថាប័នសាកល្បងសម្រាប់ការធ្វើតេស្ត", "A test institution"),
)


@pytest.mark.parametrize(
    "content",
    [
        CROWDED,
        replace(CROWDED, kind="merit", rank=12, rank_of=1250, rank_tied=True),
    ],
    ids=["course", "merit"],
)
def test_a_crowded_certificate_stays_on_one_a4_landscape_page(content, tmp_path):
    path, _html = render(content, tmp_path)
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert round(width / 72 * 25.4) == 297 and round(height / 72 * 25.4) == 210
    # The footer is on the page too (pdftotext reads only what is on the page):
    # code, dates and signatories.
    text = rendering.extracted_text_normalize(pdf_text(path))
    for footer in ("2345-6789-ABCD-EFGS", "Issued on 12 April 2025", "Director"):
        assert footer in text
    if content.rank:
        assert "Rank 12 (tied) of 1250 contestants" in text
