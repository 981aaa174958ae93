"""The API key never shows in a traceback rendered with local variables, whatever failed.

pytest ``-l``, rich, Sentry and ``traceback.TracebackException(capture_locals=True)`` print every
frame's locals with ``repr()``: no frame (ours or gRPC's, which gets our metadata) may hold the key
where its repr shows it. And rendering must not itself fail on a half-built object.
"""

from __future__ import annotations

import asyncio
import re
import socket
import traceback
from collections.abc import Callable, Iterator

import pytest
from _pytest._code import ExceptionInfo

import genai
from genai.testing import Emulator
from tests.conftest import SECRET_KEY

MODEL = "gemini-2.5-flash"
FRAGMENT = SECRET_KEY[-12:]  # even a piece of it must not show


def _render(error: BaseException) -> str:
    """The traceback as a crash reporter shows it: every frame with its locals (and chained causes)."""
    stdlib = "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())
    pytest_style = str(ExceptionInfo.from_exception(error).getrepr(showlocals=True, style="long"))
    assert "repr() failed" not in stdlib  # a half-built object must still describe itself
    return stdlib + pytest_style


def _failure(action: Callable[[], object]) -> BaseException:
    try:
        action()
    except BaseException as error:  # the point is to look at it
        return error
    raise AssertionError("the action was expected to fail")


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def secret_client(emulator: Emulator) -> Iterator[genai.Client]:
    retry = genai.RetryOptions(attempts=2, initial=0.01, maximum=0.01)
    endpoint = emulator.endpoint
    with genai.Client(SECRET_KEY, endpoint=endpoint, insecure=True, timeout=5, retry=retry) as client:
        yield client


def _fail(code: str) -> dict[str, object]:
    return {"metadata": [("x-emulator-fail", f"{code}:always")]}


def _constructor_failures() -> list[Callable[[], object]]:
    return [
        lambda: genai.Client(SECRET_KEY, endpoint="localhost:1", insecure=True, timeout="5"),  # type: ignore[arg-type]
        lambda: genai.Client(SECRET_KEY, endpoint="example.com:443", insecure=True),
        lambda: genai.Client(SECRET_KEY, endpoint="localhost:1", insecure=True, pool_size=0),
        lambda: genai.Client(SECRET_KEY, endpoint="localhost:1", insecure=True, retry=3),  # type: ignore[arg-type]
        lambda: genai.Client(SECRET_KEY, root_certificates="not bytes"),  # type: ignore[arg-type]
        lambda: genai.configure(
            api_key=SECRET_KEY, endpoint="localhost:1", insecure=True, max_message_bytes=0
        ),
        lambda: genai.configure(api_key=SECRET_KEY, endpoint="localhost:1", insecure=True, pool_size=0),
    ]


@pytest.mark.parametrize("index", range(len(_constructor_failures())))
def test_constructor_failures(index: int) -> None:
    error = _failure(_constructor_failures()[index])
    assert isinstance(error, TypeError | ValueError)
    text = _render(error)
    assert FRAGMENT not in text
    # The key was passed in and its holder's locals were rendered (else the check above is vacuous).
    assert re.search(r"api_key\s*=\s*'<redacted>'", text), text


def test_call_failures_sync(secret_client: genai.Client) -> None:
    models = secret_client.models
    unavailable = _fail("UNAVAILABLE")
    failures = {
        "api error": lambda: models.generate_content(model=MODEL, contents="x", config=_fail("INTERNAL")),
        "retries exhausted": lambda: models.generate_content(model=MODEL, contents="x", config=unavailable),
        "stream error": lambda: models.generate_content_stream(
            model=MODEL, contents="x", config=_fail("PERMISSION_DENIED")
        ).resolve(),
        "broken stream": lambda: models.generate_content_stream(
            model=MODEL,
            contents="x",
            config={"metadata": [("x-emulator-break-after", "1:always"), ("x-emulator-chunks", "4")]},
        ).resolve(),
        "deadline": lambda: models.generate_content(
            model=MODEL, contents="x", config={"timeout": 0.05, "metadata": [("x-emulator-delay", "1")]}
        ),
        "not found": lambda: models.get(model="no-such-model"),
        "bad input": lambda: models.generate_content(model=MODEL, contents=[object()]),
    }
    for name, action in failures.items():
        assert FRAGMENT not in _render(_failure(action)), name
    secret_client.close()
    assert FRAGMENT not in _render(_failure(lambda: models.get(model=MODEL))), "closed"


def test_size_limit_failure(emulator: Emulator) -> None:
    endpoint = emulator.endpoint
    with genai.Client(SECRET_KEY, endpoint=endpoint, insecure=True, max_message_bytes=1000) as client:
        error = _failure(lambda: client.models.generate_content(model=MODEL, contents="x" * 2000))
    assert isinstance(error, genai.errors.MessageTooLargeError)
    assert FRAGMENT not in _render(error)


def test_connection_failures() -> None:
    retry = genai.RetryOptions(attempts=1)
    with genai.Client(SECRET_KEY, endpoint=_closed_port(), insecure=True, timeout=5, retry=retry) as client:
        assert FRAGMENT not in _render(_failure(lambda: client.models.get(model=MODEL)))
        stream = client.models.generate_content_stream(model=MODEL, contents="x")
        assert FRAGMENT not in _render(_failure(stream.resolve))

        async def main() -> list[BaseException]:
            out = []
            for action in (
                lambda: client.aio.models.get(model=MODEL),
                lambda: client.aio.models.generate_content(model=MODEL, contents="x"),
            ):
                try:
                    await action()
                except BaseException as error:
                    out.append(error)
            stream = await client.aio.models.generate_content_stream(model=MODEL, contents="x")
            try:
                await stream.resolve()
            except BaseException as error:
                out.append(error)
            await client.aio.aclose()
            return out

        errors = asyncio.run(main())
    assert len(errors) == 3
    for error in errors:
        assert FRAGMENT not in _render(error)


def test_call_failures_async(secret_client: genai.Client) -> None:
    models = secret_client.aio.models

    async def main() -> list[BaseException]:
        out = []
        internal = _fail("INTERNAL")
        actions = [
            lambda: models.generate_content(model=MODEL, contents="x", config=_fail("INTERNAL")),
            lambda: models.count_tokens(model=MODEL, contents="x", config=_fail("UNAVAILABLE")),
            lambda: models.embed_content(model="text-embedding-004", contents=["a"] * 150, config=internal),
        ]
        for action in actions:
            try:
                await action()
            except BaseException as error:
                out.append(error)
        stream = await models.generate_content_stream(model=MODEL, contents="x", config=_fail("ABORTED"))
        try:
            await stream.resolve()
        except BaseException as error:
            out.append(error)
        await secret_client.aio.aclose()
        return out

    errors = asyncio.run(main())
    assert len(errors) == 4
    for error in errors:
        assert FRAGMENT not in _render(error)


def test_key_holders_show_no_key() -> None:
    from genai._transport import ChannelSettings
    from genai._transport.channels import base_metadata
    from genai._transport.settings import RedactedKey

    settings = ChannelSettings(api_key=SECRET_KEY, endpoint="localhost:1", insecure=True)
    assert isinstance(settings.api_key, RedactedKey)
    shown = [base_metadata(settings), settings, [settings.api_key], settings.__dict__]
    assert FRAGMENT not in repr(shown)
    assert settings.api_key == SECRET_KEY and str(settings.api_key) == SECRET_KEY  # still the key to gRPC


def test_half_built_objects_describe_themselves() -> None:
    client = genai.Client.__new__(genai.Client)
    assert repr(client) == "Client(<not initialised>)"
    aio = genai.AsyncClient.__new__(genai.AsyncClient)
    assert repr(aio) == "AsyncClient(<not initialised>)"
    model = genai.GenerativeModel.__new__(genai.GenerativeModel)
    assert "GenerativeModel" in repr(model)
    chat = genai.ChatSession.__new__(genai.ChatSession)
    assert "ChatSession" in repr(chat)
