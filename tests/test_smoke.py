def test_framework_page_404_without_framework(client, db):
    response = client.get("/en/framework/")
    assert response.status_code == 404
