import pytest


@pytest.fixture(autouse=True)
def allow_http_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    # oauthlib insists on https; the live test server is plain HTTP on loopback.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
