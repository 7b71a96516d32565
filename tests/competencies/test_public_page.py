"""The public framework page, in Khmer and English, in a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from competencies.models import Area, Competence, Framework, ProficiencyLevel
from competencies.services import framework_load_default

pytestmark = pytest.mark.django_db

# The page's own four or five queries, plus the site header's locale and page look-ups.
MAX_QUERIES = 10


def test_khmer_page_shows_khmer_labels(client):
    framework_load_default()
    response = client.get("/km/framework/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "ក្របខណ្ឌសមត្ថភាពអក្ខរកម្មឌីជីថល ប្រព័ន្ធផ្សព្វផ្សាយ និងព័ត៌មាន" in page
    assert "អ.ឌ.ប.ព." in page
    assert "ការការពារទិន្នន័យផ្ទាល់ខ្លួន និងឯកជនភាព" in page
    assert "មូលដ្ឋាន" in page and "មធ្យម" in page and "ខ្ពស់" in page
    assert "Protecting personal data and privacy" not in page
    assert 'class="message message--warning provisional-notice"' in page
    assert "Provisional: UNESCO DLGF 2018, competence 4.2" in page


def test_english_page_shows_english_labels(client):
    framework_load_default()
    response = client.get("/en/framework/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Digital, Media and Information Literacy (DMIL) Competency Framework" in page
    assert "(DMIL)" in page
    assert "Protecting personal data and privacy" in page
    assert "Intermediate" in page
    assert "ការការពារទិន្នន័យផ្ទាល់ខ្លួន និងឯកជនភាព" not in page
    assert "Provisional content." in page


def test_framework_by_code_and_without_provisional_notice(client):
    framework_load_default()
    other = Framework.objects.create(
        code="official", name_en="Official", name_km="ផ្លូវការ"
    )
    response = client.get("/en/framework/official/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "provisional-notice" not in page
    assert "/en/framework/kh-dmil-2024/" in page
    assert other.name_en in page
    assert client.get("/en/framework/unknown/").status_code == 404


def build_framework(code, *, areas, per_area, levels):
    framework = Framework.objects.create(code=code, name_en=code, name_km=code)
    for rank in range(1, levels + 1):
        ProficiencyLevel.objects.create(
            framework=framework, code=f"L{rank}", rank=rank, name_en="L", name_km="ក"
        )
    for a in range(areas):
        area = Area.objects.create(
            framework=framework, code=str(a), sort_order=a, name_en="A", name_km="ក"
        )
        for c in range(per_area):
            Competence.objects.create(
                area=area, code=f"{a}.{c}", sort_order=c, name_en="C", name_km="ក"
            )
    return framework


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("language", ["km", "en"])
def test_query_count_does_not_grow_with_the_framework(
    client, language, django_assert_max_num_queries
):
    build_framework("small", areas=1, per_area=1, levels=1)
    build_framework("large", areas=12, per_area=15, levels=5)
    small = count_queries(client, f"/{language}/framework/small/")
    large = count_queries(client, f"/{language}/framework/large/")
    assert small == large
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(f"/{language}/framework/large/")
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(f"/{language}/framework/")


def test_the_default_framework_comes_first_whatever_its_code(client):
    Framework.objects.create(code="aaa", name_en="First by code", name_km="ទីមួយ")
    framework_load_default()
    page = client.get("/en/framework/").content.decode()
    assert "<h1>Digital, Media and Information Literacy" in page
