"""Wrong arguments fail where they are given, naming them: the client's constructor, the facade's
request_options, per-call metadata; and an API error lists each field violation once."""

from __future__ import annotations

import math
import uuid
from typing import Any

import pytest

import genai
from genai import errors
from genai.testing import Emulator

MODEL = "gemini-2.5-flash"
LOCAL = {"endpoint": "localhost:1", "insecure": True}


@pytest.mark.parametrize(
    ("kwargs", "kind", "named"),
    [
        ({"retry": 3}, TypeError, "retry"),
        ({"retry": "3"}, TypeError, "retry"),
        ({"timeout": "5"}, TypeError, "timeout"),
        ({"timeout": 0}, ValueError, "timeout"),
        ({"timeout": -5}, ValueError, "timeout"),
        ({"timeout": math.nan}, ValueError, "timeout"),
        ({"timeout": math.inf}, ValueError, "timeout"),
        ({"timeout": 1e12}, ValueError, "timeout"),
        ({"endpoint": 5}, TypeError, "endpoint"),
        ({"endpoint": ""}, ValueError, "endpoint"),
        ({"endpoint": "   "}, ValueError, "endpoint"),
        ({"api_key": 5}, TypeError, "api_key"),
        ({"api_key": b"bytes-key"}, TypeError, "api_key"),
        ({"api_key": "two\nlines"}, ValueError, "api_key"),
        ({"pool_size": "4"}, TypeError, "pool_size"),
        ({"pool_size": 0}, ValueError, "pool_size"),
        ({"pool_size": True}, TypeError, "pool_size"),
        ({"streams_per_channel": 1.5}, TypeError, "streams_per_channel"),
        ({"max_message_bytes": -1}, ValueError, "max_message_bytes"),
        ({"insecure": "yes"}, TypeError, "insecure"),
        ({"root_certificates": "PEM text"}, TypeError, "root_certificates"),
        ({"tls_server_name": b"name.test"}, TypeError, "tls_server_name"),
        ({"channel_options": {"grpc.x": 1}}, TypeError, "channel_options"),
    ],
)
def test_the_constructor_checks_every_argument(
    kwargs: dict[str, Any], kind: type[Exception], named: str
) -> None:
    arguments: dict[str, Any] = {"api_key": "k", **LOCAL, **kwargs}
    if named in ("root_certificates", "tls_server_name"):
        arguments["insecure"] = False
    with pytest.raises(kind) as caught:
        genai.Client(**arguments)
    assert str(caught.value).startswith(named), str(caught.value)
    assert "bytes-key" not in str(caught.value) and "two\nlines" not in str(caught.value)


def test_tls_settings_are_refused_with_plaintext() -> None:
    with pytest.raises(ValueError, match="root_certificates/tls_server_name are TLS settings"):
        genai.Client("k", tls_server_name="name.test", **LOCAL)


def test_configure_passes_the_tls_server_name_on() -> None:
    try:
        genai.configure(api_key="k", endpoint="127.0.0.1:1", tls_server_name="name.test")
        assert genai.legacy.default_client()._settings.tls_server_name == "name.test"
        with pytest.raises(ValueError, match="root_certificates/tls_server_name are TLS settings"):
            genai.configure(api_key="k", tls_server_name="name.test", **LOCAL)
    finally:
        if genai.legacy._default_client is not None:
            genai.legacy._default_client.close()
        genai.legacy._default_client = None


def test_an_empty_endpoint_never_means_the_default_one() -> None:
    with pytest.raises(ValueError, match="endpoint"):
        genai.Client("k", endpoint="")


def test_valid_arguments_are_taken_as_given() -> None:
    with genai.Client(
        "k", timeout=None, retry=genai.RetryOptions(attempts=1), pool_size=1, **LOCAL
    ) as client:
        assert client.models._defaults.timeout is None
        assert client.models._defaults.retry == genai.RetryOptions(attempts=1)


@pytest.mark.parametrize(
    ("metadata", "where"),
    [
        ([("X-Upper", "v")], "config.metadata[0]"),
        ([("x-ok", "v"), ("x-newline", "a\nb")], "config.metadata[1]"),
        ({"x-tab": "a\tb"}, "config.metadata['x-tab']"),
        ([("grpc-timeout", "1S")], "config.metadata[0]"),
        ([("x-data-bin", "not bytes")], "config.metadata[0]"),
        ([("x-key",)], "config.metadata[0]"),
    ],
)
def test_bad_metadata_is_refused_before_any_call(emulator: Emulator, metadata: Any, where: str) -> None:
    marker = uuid.uuid4().hex
    with emulator.client() as client, pytest.raises((TypeError, ValueError)) as caught:
        client.models.generate_content(model=MODEL, contents=marker, config={"metadata": metadata})
    assert str(caught.value).startswith(where), str(caught.value)
    assert not [call for call in emulator.calls if marker in str(call.request)]


def test_metadata_as_a_dict_and_binary_values_are_sent(emulator: Emulator) -> None:
    marker = uuid.uuid4().hex
    with emulator.client() as client:
        config = {"metadata": {"x-request-id": marker, "x-trace-bin": b"\x00\x01"}}
        client.models.generate_content(model=MODEL, contents=marker, config=config)
    seen = next(call for call in emulator.calls if marker in str(call.request))
    assert seen.metadata["x-request-id"] == marker
    assert seen.metadata["x-trace-bin"] == b"\x00\x01"


@pytest.mark.usefixtures("configured")
def test_request_options_are_checked_alike_everywhere() -> None:
    model = genai.GenerativeModel(MODEL)
    calls = [
        lambda options: model.generate_content("hi", request_options=options),
        lambda options: model.count_tokens("hi", request_options=options),
        lambda options: genai.embed_content(
            model="models/embedding-001", content="hi", request_options=options
        ),
        lambda options: model.start_chat().send_message("hi", request_options=options),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"request_options: unknown keys \['bogus'\]"):
            call({"bogus": 1})
        with pytest.raises(TypeError, match=r"request_options: expected a dict"):
            call(5)
        with pytest.raises(ValueError, match=r"request_options\['timeout'\]"):
            call({"timeout": 0})
        with pytest.raises(TypeError, match=r"request_options\['retry'\]"):
            call({"retry": 3})
    assert model.generate_content("hi", request_options={"timeout": 30, "metadata": {"x-a": "b"}}).text


@pytest.mark.usefixtures("configured")
def test_an_api_core_retry_is_carried_over(emulator: Emulator) -> None:
    from google.api_core import retry as api_retry

    model = genai.GenerativeModel(MODEL)
    policy = api_retry.Retry(initial=0.01, maximum=0.02, multiplier=1.5, timeout=5)
    marker = uuid.uuid4().hex
    response = model.generate_content(
        marker, request_options={"retry": policy, "metadata": [("x-emulator-fail", "UNAVAILABLE:2")]}
    )
    assert response.text
    assert sum(1 for call in emulator.calls if marker in str(call.request)) == 3


def test_api_error_text_lists_each_violation_once() -> None:
    from google.rpc import error_details_pb2

    violation = error_details_pb2.BadRequest.FieldViolation(
        field="contents[0].parts", description="must not be empty"
    )
    details = (error_details_pb2.BadRequest(field_violations=[violation]),)
    repeated = errors.InvalidArgumentError(
        "Request contains an invalid argument: contents[0].parts: must not be empty",
        details=details,
    )
    assert str(repeated).count("must not be empty") == 1
    silent = errors.InvalidArgumentError("Bad request", details=details)
    assert str(silent) == "INVALID_ARGUMENT: Bad request; contents[0].parts: must not be empty"


def test_api_error_from_the_emulator_names_the_field_once(emulator: Emulator) -> None:
    with emulator.client() as client, pytest.raises(errors.InvalidArgumentError) as caught:
        client.models.generate_content(model=MODEL, contents=[genai.types.Content(role="user")])
    text = str(caught.value)
    for violation in caught.value.field_violations:
        assert text.count(violation.description) == 1, text
