from tests.courses.conftest import make_course


def test_pages_render(client, site_tree, framework):
    course, lessons = make_course(site_tree, framework)
    for url in [
        "/km/",
        "/en/",
        "/km/courses/",
        "/en/courses/",
        "/km/courses/safe/",
        "/en/courses/safe/",
        "/km/courses/safe/lesson-1/",
        "/en/courses/safe/lesson-2/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
