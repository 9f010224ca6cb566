"""What a page answers while the database is out of reach, checked alike on the test client's
answers and on a real server's."""


def assert_unavailable_page(response):
    """The plain 503 page, asking to come back in 30 s, and nothing of the error behind it."""
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    page = response.text
    assert "Service momentanément indisponible" in page
    assert "Traceback" not in page and "OperationalError" not in page
