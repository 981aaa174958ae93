"""A message over a gRPC size limit fails at once with MessageTooLargeError, never retried.

gRPC reports both a request too large to send and a reply too large to take as RESOURCE_EXHAUSTED,
which used to be retried five times (a request that never left the client; a reply the server
generated, and billed, five times).
"""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

import genai
from genai import errors
from genai._transport.options import RetryOptions
from genai._transport.retry import next_delay
from genai.testing import Emulator

MODEL = "gemini-2.5-flash"
PNG = b"\x89PNG\r\n\x1a\n"
# A retry would be slept through and logged: the tests look for the log, the budget keeps them short.
RETRY = RetryOptions(attempts=5, initial=0.01, maximum=0.01)


def _calls(emulator: Emulator, marker: str) -> int:
    return sum(1 for call in emulator.calls if marker in str(call.request)[:2000])


def test_a_request_over_the_clients_limit_is_never_sent(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="genai.transport")
    marker = uuid.uuid4().hex
    with genai.Client("k", endpoint=emulator.endpoint, insecure=True, retry=RETRY) as client:
        # The default limit is 64 MiB each way: 70 MB of inline data is over it.
        contents = [marker, PNG + bytes(70_000_000)]
        with pytest.raises(errors.MessageTooLargeError) as caught:
            client.models.generate_content(model=MODEL, contents=contents)
    error = caught.value
    assert (error.direction, error.side, error.limit) == ("request", "client", 64 * 1024 * 1024)
    assert error.size > 70_000_000
    assert error.code.name == "RESOURCE_EXHAUSTED" and not isinstance(error, errors.ResourceExhaustedError)
    assert "70,000," in str(error) and "67,108,864" in str(error) and "max_message_bytes" in str(error)
    assert _calls(emulator, marker) == 0
    assert not [r for r in caplog.records if "retrying" in r.getMessage()]


def test_a_request_over_the_servers_limit_is_not_retried(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="genai.transport")
    marker = uuid.uuid4().hex
    options = (("grpc.max_send_message_length", 128 * 1024 * 1024),)  # let it leave the client
    with (
        genai.Client(
            "k", endpoint=emulator.endpoint, insecure=True, retry=RETRY, channel_options=options
        ) as c,
        pytest.raises(errors.MessageTooLargeError) as caught,
    ):
        c.models.generate_content(model=MODEL, contents=[marker, PNG + bytes(70_000_000)])
    assert (caught.value.direction, caught.value.side) == ("request", "server")
    assert "Files API" in str(caught.value)
    assert not [r for r in caplog.records if "retrying" in r.getMessage()]


@pytest.mark.parametrize("streamed", [False, True], ids=["unary", "stream"])
def test_a_reply_over_the_clients_limit_is_asked_for_once(emulator: Emulator, streamed: bool) -> None:
    marker = uuid.uuid4().hex
    config = {"metadata": [("x-emulator-reply-words", "3000"), ("x-emulator-chunks", "1")]}
    with genai.Client(
        "k", endpoint=emulator.endpoint, insecure=True, retry=RETRY, max_message_bytes=8192
    ) as client:
        models = client.models
        call = (
            (lambda: models.generate_content_stream(model=MODEL, contents=marker, config=config).resolve())
            if streamed
            else (lambda: models.generate_content(model=MODEL, contents=marker, config=config))
        )
        with pytest.raises(errors.MessageTooLargeError) as caught:
            call()
    assert (caught.value.direction, caught.value.side, caught.value.limit) == ("reply", "client", 8192)
    assert _calls(emulator, marker) == 1


def test_async_reply_over_the_limit_is_asked_for_once(emulator: Emulator) -> None:
    marker = uuid.uuid4().hex
    config = {"metadata": [("x-emulator-reply-words", "3000")]}
    client = genai.Client("k", endpoint=emulator.endpoint, insecure=True, retry=RETRY, max_message_bytes=8192)

    async def main() -> None:
        with pytest.raises(errors.MessageTooLargeError):
            await client.aio.models.generate_content(model=MODEL, contents=marker, config=config)
        await client.aio.aclose()

    asyncio.run(main())
    client.close()
    assert _calls(emulator, marker) == 1


def test_the_retry_decision_never_repeats_a_size_failure() -> None:
    error = errors.MessageTooLargeError("too big", size=10, limit=5, direction="reply", side="client")
    assert next_delay(error, 1, 0.0, RetryOptions()) is None
    quota = errors.ResourceExhaustedError("quota")
    assert next_delay(quota, 1, 0.0, RetryOptions()) is not None


def test_max_message_bytes_is_checked_where_it_is_given() -> None:
    with pytest.raises(ValueError, match="max_message_bytes"):
        genai.Client("k", endpoint="localhost:1", insecure=True, max_message_bytes=0)
    with pytest.raises(TypeError, match="max_message_bytes"):
        genai.Client("k", endpoint="localhost:1", insecure=True, max_message_bytes="64MB")  # type: ignore[arg-type]
