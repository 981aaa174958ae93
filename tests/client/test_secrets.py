"""The API key never shows in a repr, str, log record or exception."""

from __future__ import annotations

import asyncio
import logging

import pytest

import genai
from genai.testing import Emulator
from tests.conftest import SECRET_KEY


def test_key_absent_from_reprs(client: genai.Client) -> None:
    shown = [repr(client), str(client), repr(client.aio), repr(client.models), repr(client._settings)]
    assert all(SECRET_KEY not in text for text in shown)
    assert "api_key=<set>" in repr(client)


def test_key_absent_from_errors_and_logs(client: genai.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    config = {
        "metadata": [("x-emulator-fail", "UNAVAILABLE:always")],
        "retry": genai.RetryOptions(attempts=2, initial=0.01),
    }
    with pytest.raises(genai.errors.UnavailableError) as caught:
        client.models.generate_content(model="gemini-2.5-flash", contents="secret?", config=config)
    error = caught.value
    texts = [str(error), repr(error), str(error.__cause__), repr(error.__cause__), repr(error.details)]
    texts += [record.getMessage() for record in caplog.records]
    assert caplog.records, "the retry should have been logged"
    assert all(SECRET_KEY not in text for text in texts)


def test_rejected_key_error_does_not_echo_it() -> None:
    with Emulator(api_keys={"the-right-key"}) as emulator:
        with (
            genai.Client(SECRET_KEY, endpoint=emulator.endpoint, insecure=True) as client,
            pytest.raises(genai.errors.PermissionDeniedError) as caught,
        ):
            client.models.get(model="gemini-2.5-flash")
        assert SECRET_KEY not in str(caught.value) + repr(caught.value)
        with genai.Client("the-right-key", endpoint=emulator.endpoint, insecure=True) as client:
            assert client.models.get(model="gemini-2.5-flash").name == "models/gemini-2.5-flash"


def test_key_is_sent_as_metadata(client: genai.Client, emulator: Emulator) -> None:
    client.models.get(model="gemini-2.5-flash")
    assert emulator.calls[-1].metadata.get("x-goog-api-key") == SECRET_KEY


def test_key_from_environment_and_required_for_the_real_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    with pytest.raises(ValueError, match="GEMINI_API_KEY"):
        genai.Client()
    monkeypatch.setenv("GOOGLE_API_KEY", "from-google-env")
    assert genai.Client()._settings.api_key == "from-google-env"
    monkeypatch.setenv("GEMINI_API_KEY", "from-gemini-env")
    client = genai.Client()
    assert client._settings.api_key == "from-gemini-env"
    assert "from-gemini-env" not in repr(client)
    client.close()


def test_plaintext_only_for_loopback() -> None:
    with pytest.raises(ValueError, match="insecure"):
        genai.Client("k", endpoint="example.com:443", insecure=True)
    genai.Client("k", endpoint="localhost:1", insecure=True).close()


def test_async_error_does_not_leak(client: genai.Client) -> None:
    async def main() -> str:
        try:
            await client.aio.models.get(model="no-such-model")
        except genai.errors.NotFoundError as error:
            return str(error) + repr(error) + repr(error.__cause__)
        finally:
            await client.aio.aclose()
        return ""

    assert SECRET_KEY not in asyncio.run(main())
