"""Call-option validators (genai/_checks.py), RetryOptions/CallOptions field checks, and the per-call
metadata of `config=`: refused with a path before gRPC core turns it into "INTERNAL: Invalid metadata".
"""

from __future__ import annotations

import math
from typing import Any

import grpc
import pytest

import genai
from genai._requests.options import call_options
from genai._transport.checks import check_metadata, check_retry, check_timeout
from genai._transport.options import CallOptions, RetryOptions
from genai.testing import Emulator
from tests.expect import error

MODEL = "gemini-2.5-flash"
SECRET = "sk-live-DO-NOT-PRINT-4242"

# ---------------------------------------------------------------------------------------------------
# check_timeout


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), (30, 30.0), (0.25, 0.25), (10**6, 1e6), (1e9, 1e9)]
)
def test_timeout_accepted(value: Any, expected: float | None) -> None:
    assert check_timeout(value, "timeout") == expected


@pytest.mark.parametrize("value", ["5", True, False, b"5", [5], object()])
def test_timeout_of_the_wrong_kind(value: Any) -> None:
    error(TypeError, check_timeout, value, "client.timeout", at="client.timeout", mentions=("seconds",))


@pytest.mark.parametrize("value", [0, 0.0, -1, -0.5, math.nan, math.inf, -math.inf, 10**400, 1e9 + 1, 1e10])
def test_timeout_out_of_range(value: Any) -> None:
    error(ValueError, check_timeout, value, "timeout", at="timeout", mentions=("use None for no deadline",))


# ---------------------------------------------------------------------------------------------------
# check_retry


def test_retry_accepted() -> None:
    policy = RetryOptions(attempts=2)
    assert check_retry(policy, "retry") is policy
    assert check_retry(None, "retry") is None


def test_retry_count_gets_a_suggestion() -> None:
    error(TypeError, check_retry, 3, "retry", at="retry", mentions=("genai.RetryOptions(attempts=3)",))
    error(TypeError, check_retry, 0, "retry", at="retry", mentions=("RetryOptions(attempts=1) disables",))
    error(TypeError, check_retry, False, "retry", at="retry", mentions=("disables",))
    error(
        TypeError, check_retry, {"attempts": 3}, "config.retry", at="config.retry", mentions=("RetryOptions",)
    )


# ---------------------------------------------------------------------------------------------------
# check_metadata: what is accepted


def test_metadata_shapes() -> None:
    assert check_metadata(None, "m") == ()
    assert check_metadata([], "m") == ()
    assert check_metadata({}, "m") == ()
    assert check_metadata([("x-a", "1"), ["x-b", "2"]], "m") == (("x-a", "1"), ("x-b", "2"))
    assert check_metadata((("x-a", "1"),), "m") == (("x-a", "1"),)
    assert check_metadata({"x-a": "1", "x_b.c-9": ""}, "m") == (("x-a", "1"), ("x_b.c-9", ""))
    binary = check_metadata([("trace-bin", bytearray(b"\x00\xff")), ("x-bin", memoryview(b"\n"))], "m")
    assert binary == (("trace-bin", b"\x00\xff"), ("x-bin", b"\n"))
    assert all(type(value) is bytes for _, value in binary)
    # Printable ASCII, inner spaces and an empty value are legal; keys may repeat (multi-valued).
    assert check_metadata([("x-a", "a b ~!"), ("x-a", "")], "m") == (("x-a", "a b ~!"), ("x-a", ""))


class _Key(str):
    pass


def test_metadata_str_subclasses_become_plain_str() -> None:
    ((key, value),) = check_metadata([(_Key("x-a"), _Key("v"))], "m")
    assert (type(key), type(value)) == (str, str)


# check_metadata: what gRPC core (or HTTP/2) refuses, with the reason


@pytest.mark.parametrize(
    ("pairs", "at", "mentions"),
    [
        ([("X-Foo", "v")], "m[0]", ("upper-case letter 'X'",)),
        ([("x-ok", "v"), ("x-Foo", "v")], "m[1]", ("upper-case letter 'F'",)),
        ([("", "v")], "m[0]", ("cannot be empty",)),
        ([("x foo", "v")], "m[0]", ("' ' at position 1",)),
        ([(":path", "v")], "m[0]", ("':' at position 0",)),
        ([("x-é", "v")], "m[0]", ("'é'",)),
        ([("grpc-timeout", "1S")], "m[0]", ("reserved",)),
        ([("x-a", "one\ntwo")], "m[0]", ("a newline at position 3",)),
        ([("x-a", "a\r")], "m[0]", ("carriage return",)),
        ([("x-a", "a\tb")], "m[0]", ("a tab",)),
        ([("x-a", "\x00")], "m[0]", ("NUL",)),
        ([("x-a", "\x7f")], "m[0]", ("'\\x7f'",)),
        ([("x-a", "café")], "m[0]", ("'é' at position 3", "-bin")),
        ([("x-a", "a\ud800")], "m[0]", ("'\\ud800'",)),
        ([("x-a", " v")], "m[0]", ("leading or trailing space", "RFC 9113")),
        ([("x-a", "v ")], "m[0]", ("leading or trailing space",)),
        ({"X-Upper": "v"}, "m['X-Upper']", ("upper-case",)),
        ({"x-a": "ok", "x-b": "line\nbreak"}, "m['x-b']", ("newline",)),
    ],
)
def test_metadata_refused_values(pairs: Any, at: str, mentions: tuple[str, ...]) -> None:
    error(ValueError, check_metadata, pairs, "m", at=at, mentions=mentions)


@pytest.mark.parametrize(
    ("pairs", "at", "mentions"),
    [
        ("x-a: v", "m", ("list of (key, value) pairs",)),
        (5, "m", ("list of (key, value) pairs",)),
        ({("x-a", "v")}, "m", ("list of (key, value) pairs",)),
        (("x-a", "v"), "m[0]", ("a single pair goes in a list",)),
        ([("x-a", "v", "w")], "m[0]", ("pair",)),
        ([("x-a",)], "m[0]", ("pair",)),
        ([b"x-a"], "m[0]", ("pair",)),
        ([(b"x-a", "v")], "m[0]", ("key is a str",)),
        ([(1, "v")], "m[0]", ("key is a str",)),
        ([("x-a", 1)], "m[0]", ("must be a str",)),
        ([("x-a", b"v")], "m[0]", ("key ending in '-bin'",)),
        ([("x-a-bin", "djE=")], "m[0]", ("must be bytes",)),
        ({"x-a": None}, "m['x-a']", ("must be a str",)),
    ],
)
def test_metadata_wrong_kinds(pairs: Any, at: str, mentions: tuple[str, ...]) -> None:
    error(TypeError, check_metadata, pairs, "m", at=at, mentions=mentions)


@pytest.mark.parametrize("key", ["authorization", "x-goog-api-key", "Authorization", "x-api-token"])
@pytest.mark.parametrize(
    "value",
    [f"Bearer {SECRET}\n", f" {SECRET}", f"{SECRET}é", 12345678901234567890, f"{SECRET}".encode()],
)
def test_metadata_errors_never_show_a_credential(key: str, value: Any) -> None:
    for shape in ([(key, value)], {key: value}, [(key, value, "extra")], [[key, value, value]]):
        with pytest.raises((TypeError, ValueError)) as caught:
            check_metadata(shape, "config.metadata")
        message = str(caught.value)
        assert message.startswith("config.metadata"), message
        assert SECRET not in message and "1234567890" not in message, message


def test_metadata_wrong_container_does_not_show_its_content() -> None:
    for value in (f"authorization: Bearer {SECRET}", {("authorization", SECRET)}, SECRET.encode()):
        with pytest.raises(TypeError) as caught:
            check_metadata(value, "metadata")
        assert SECRET not in str(caught.value)


# ---------------------------------------------------------------------------------------------------
# RetryOptions and CallOptions check their fields


def test_retry_options_normalise() -> None:
    policy = RetryOptions(attempts=3, initial=1, maximum=2, multiplier=1, jitter=0, budget=math.inf)
    assert (policy.initial, policy.maximum, policy.multiplier, policy.jitter) == (1.0, 2.0, 1.0, 0.0)
    assert type(policy.initial) is float
    named = RetryOptions(codes=["unavailable", "DEADLINE_EXCEEDED", grpc.StatusCode.INTERNAL])
    assert named.codes == frozenset(
        {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.INTERNAL}
    )
    assert RetryOptions(codes=("resource_exhausted",)) == RetryOptions(
        codes=frozenset({grpc.StatusCode.RESOURCE_EXHAUSTED})
    )
    assert RetryOptions(codes=set()).codes == frozenset()
    assert hash(RetryOptions(codes=["unavailable"])) == hash(RetryOptions(codes={"UNAVAILABLE"}))


@pytest.mark.parametrize(
    ("kwargs", "exc", "at", "mentions"),
    [
        ({"attempts": "3"}, TypeError, "RetryOptions.attempts", ("int",)),
        ({"attempts": True}, TypeError, "RetryOptions.attempts", ("int",)),
        ({"attempts": 2.0}, TypeError, "RetryOptions.attempts", ("int",)),
        ({"attempts": 0}, ValueError, "RetryOptions.attempts", (">= 1",)),
        ({"initial": "0.5"}, TypeError, "RetryOptions.initial", ("number",)),
        ({"initial": math.nan}, ValueError, "RetryOptions.initial", ("finite",)),
        ({"initial": math.inf}, ValueError, "RetryOptions.initial", ("finite",)),
        ({"initial": -1}, ValueError, "RetryOptions.initial", (">= 0",)),
        ({"maximum": None}, TypeError, "RetryOptions.maximum", ("number",)),
        ({"maximum": math.inf}, ValueError, "RetryOptions.maximum", ("finite",)),
        ({"multiplier": 0.5}, ValueError, "RetryOptions.multiplier", (">= 1",)),
        ({"multiplier": False}, TypeError, "RetryOptions.multiplier", ("number",)),
        ({"jitter": 1.5}, ValueError, "RetryOptions.jitter", ("[0, 1]",)),
        ({"jitter": math.nan}, ValueError, "RetryOptions.jitter", ("finite",)),
        ({"jitter": "0.2"}, TypeError, "RetryOptions.jitter", ("number",)),
        ({"budget": -1}, ValueError, "RetryOptions.budget", (">= 0",)),
        ({"budget": math.nan}, ValueError, "RetryOptions.budget", ("finite",)),
        ({"codes": "UNAVAILABLE"}, TypeError, "RetryOptions.codes", ("collection",)),
        ({"codes": grpc.StatusCode.UNAVAILABLE}, TypeError, "RetryOptions.codes", ("collection",)),
        ({"codes": [14]}, TypeError, "RetryOptions.codes[0]", ("grpc.StatusCode",)),
        ({"codes": ["UNAVAILBLE"]}, ValueError, "RetryOptions.codes[0]", ("did you mean 'UNAVAILABLE'",)),
        ({"codes": {"nope"}}, ValueError, "RetryOptions.codes", ("unknown status code name 'nope'",)),
    ],
)
def test_retry_options_refuse_bad_fields(kwargs: Any, exc: type[Exception], at: str, mentions: Any) -> None:
    error(exc, RetryOptions, at=at, mentions=mentions, **kwargs)


def test_call_options_check_and_normalise() -> None:
    options = CallOptions(timeout=5, metadata={"x-a": "1"})
    assert (options.timeout, options.metadata) == (5.0, (("x-a", "1"),))
    error(TypeError, CallOptions, at="CallOptions.timeout", timeout="5")
    error(ValueError, CallOptions, at="CallOptions.timeout", timeout=0)
    error(TypeError, CallOptions, at="CallOptions.retry", mentions=("RetryOptions(attempts=3)",), retry=3)
    error(ValueError, CallOptions, at="CallOptions.metadata[0]", metadata=[("X-A", "1")])
    merged = CallOptions(timeout=5, metadata=[("x-a", "1")]).merged(CallOptions(metadata={"x-b": "2"}))
    assert merged == CallOptions(timeout=5.0, metadata=(("x-a", "1"), ("x-b", "2")))


# ---------------------------------------------------------------------------------------------------
# call_options (config=) uses the same checks, with config.* paths


def test_call_options_metadata_shapes() -> None:
    assert call_options({"metadata": {"x-a": "1"}}) == CallOptions(metadata=(("x-a", "1"),))
    assert call_options({"metadata": [("x-a-bin", b"\x01")]}) == CallOptions(metadata=(("x-a-bin", b"\x01"),))
    assert call_options({"metadata": []}) is None
    assert call_options({"metadata": None, "timeout": None}) is None
    assert call_options(genai.GenerateContentConfig(metadata={"x-a": "1"})) == CallOptions(
        metadata=(("x-a", "1"),)
    )


@pytest.mark.parametrize(
    ("config", "exc", "at"),
    [
        ({"metadata": [("X-Foo", "v")]}, ValueError, "config.metadata[0]"),
        ({"metadata": {"x-foo": "a\nb"}}, ValueError, "config.metadata['x-foo']"),
        ({"metadata": 0}, TypeError, "config.metadata"),
        ({"metadata": ""}, TypeError, "config.metadata"),
        ({"timeout": math.nan}, ValueError, "config.timeout"),
        ({"timeout": math.inf}, ValueError, "config.timeout"),
        ({"retry": 3}, TypeError, "config.retry"),
        (genai.EmbedContentConfig(metadata=[("grpc-x", "1")]), ValueError, "config.metadata[0]"),
    ],
)
def test_call_options_errors_name_the_config(config: Any, exc: type[Exception], at: str) -> None:
    error(exc, call_options, config, at=at)


def test_google_genai_timeout_is_checked() -> None:
    from google.genai import types as gtypes

    assert call_options(gtypes.GenerateContentConfig(http_options=gtypes.HttpOptions(timeout=1500))) == (
        CallOptions(timeout=1.5)
    )
    config = gtypes.GenerateContentConfig(http_options=gtypes.HttpOptions(timeout=0))
    error(ValueError, call_options, config, at="config.http_options.timeout", mentions=("milliseconds",))


# ---------------------------------------------------------------------------------------------------
# End to end: what used to reach gRPC core and come back as a server-looking InternalError


@pytest.mark.parametrize(
    "metadata",
    [[("X-Trace", "1")], [("x-trace", "line\nbreak")], [("x trace", "1")], [("x-trace", "é")], [("", "1")]],
)
def test_bad_metadata_never_reaches_grpc(client: genai.Client, metadata: Any) -> None:
    error(
        ValueError,
        client.models.generate_content,
        at="config.metadata[0]",
        model=MODEL,
        contents="Hi",
        config={"metadata": metadata},
    )


def test_metadata_dicts_and_binary_values_are_sent(client: genai.Client, emulator: Emulator) -> None:
    config = {"metadata": {"x-trace": "abc", "x-blob-bin": b"\x00\xff"}}
    client.models.generate_content(model=MODEL, contents="Hi", config=config)
    sent = emulator.calls[-1].metadata
    assert sent.get("x-trace") == "abc"
    assert sent.get("x-blob-bin") == b"\x00\xff"
