"""Shared fixtures: one in-process emulator (real gRPC on a loopback port) for the whole run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import genai
from genai.testing import Emulator

SECRET_KEY = "AIzaSy-genai-test-SECRET-0123456789"


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture
def client(emulator: Emulator) -> Iterator[genai.Client]:
    # Short backoffs keep retry tests quick; the policy is otherwise the default one.
    retry = genai.RetryOptions(initial=0.01, maximum=0.05)
    with genai.Client(SECRET_KEY, endpoint=emulator.endpoint, insecure=True, timeout=10, retry=retry) as c:
        yield c


@pytest.fixture
def configured(emulator: Emulator) -> Iterator[None]:
    """The facade's default client (``genai.configure``) pointed at the emulator, then closed."""
    genai.configure(
        api_key="facade-key", endpoint=emulator.endpoint, http_endpoint=emulator.http_endpoint, insecure=True
    )
    yield
    client, genai.legacy._default_client = genai.legacy._default_client, None
    if client is not None:
        client.close()
