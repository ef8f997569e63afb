"""``/healthz``: what a load balancer and the benchmark's floor rely on."""


def test_healthz_answers_ok_signed_out_without_a_session_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_asks_the_database_one_question(client, count_queries):
    with count_queries() as counted:
        assert client.get("/healthz").status_code == 200
    assert counted.count == 1


def test_healthz_answers_a_signed_in_person_too(make, login_as):
    response = login_as(make.user("viewer")).get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
