"""Bad requests fail like the real API: INVALID_ARGUMENT with google.rpc.BadRequest field violations."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest
from genai_protos import content_pb2, generative_service_pb2, safety_pb2
from genai_protos.generative_service_pb2_grpc import GenerativeServiceStub

from tests.emulator._helpers import MODEL, TIMEOUT, model_turn, request, status_of, user, violations

gs = generative_service_pb2
Content = content_pb2.Content
Part = content_pb2.Part


def _rejected(
    call: Callable[[], object], code: grpc.StatusCode = grpc.StatusCode.INVALID_ARGUMENT
) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    assert caught.value.code() == code  # type: ignore[attr-defined]
    return caught.value


CASES = [
    (gs.GenerateContentRequest(contents=[user("x")]), "model"),
    (request(model="gemini-2.5-flash"), "model"),
    (request(contents=[]), "contents"),
    (request(contents=[Content(role="user")]), "contents[0].parts"),
    (request(contents=[Content(role="user", parts=[Part()])]), "contents[0].parts[0].data"),
    (request(contents=[user("a"), Content(role="system", parts=[Part(text="b")])]), "contents[1].role"),
    (
        request(contents=[user("a"), model_turn("b"), Content(role="function", parts=[Part(text="c")])]),
        "contents[2].role",
    ),
    (request(generation_config=gs.GenerationConfig(candidate_count=9)), "generation_config.candidate_count"),
    (
        request(generation_config=gs.GenerationConfig(stop_sequences=["a"] * 6)),
        "generation_config.stop_sequences",
    ),
    (request(generation_config=gs.GenerationConfig(temperature=2.5)), "generation_config.temperature"),
    (
        request(generation_config=gs.GenerationConfig(response_mime_type="text/html")),
        "generation_config.response_mime_type",
    ),
    (
        request(
            tools=[
                content_pb2.Tool(function_declarations=[content_pb2.FunctionDeclaration(name="1bad name")])
            ]
        ),
        "tools[0].function_declarations[0].name",
    ),
    (
        request(
            safety_settings=[
                safety_pb2.SafetySetting(category=safety_pb2.HarmCategory.HARM_CATEGORY_DEROGATORY)
            ]
        ),
        "safety_settings[0].category",
    ),
]


@pytest.mark.parametrize(("req", "field"), CASES, ids=[field for _, field in CASES])
def test_invalid_generate_requests_name_the_field(
    gen: GenerativeServiceStub, req: gs.GenerateContentRequest, field: str
) -> None:
    for call in (gen.GenerateContent, lambda r, timeout: list(gen.StreamGenerateContent(r, timeout=timeout))):
        error = _rejected(lambda call=call: call(req, timeout=TIMEOUT))  # type: ignore[misc]
        found = violations(error)
        assert found.get(field)
        assert f"* GenerateContentRequest.{field}: " in error.details()  # type: ignore[attr-defined]


def test_every_problem_is_reported(gen: GenerativeServiceStub) -> None:
    req = request(
        contents=[Content(role="system"), Content(role="user", parts=[Part(text="ok")]), Content(role="tool")]
    )
    found = violations(_rejected(lambda: gen.GenerateContent(req, timeout=TIMEOUT)))
    assert list(found) == ["contents[0].role", "contents[0].parts", "contents[2].role", "contents[2].parts"]
    assert found["contents[0].role"] == "Please use a valid role: user, model."


def test_status_details_mirror_the_call_status(gen: GenerativeServiceStub) -> None:
    error = _rejected(lambda: gen.GenerateContent(request(contents=[]), timeout=TIMEOUT))
    status = status_of(error)  # checks code and message against the call's own
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert [d.type_url for d in status.details] == ["type.googleapis.com/google.rpc.BadRequest"]


def test_unknown_model_is_not_found(gen: GenerativeServiceStub) -> None:
    error = _rejected(
        lambda: gen.GenerateContent(request(model="models/no-such-model"), timeout=TIMEOUT),
        grpc.StatusCode.NOT_FOUND,
    )
    assert "models/no-such-model" in error.details()  # type: ignore[attr-defined]


def test_count_tokens_validation(gen: GenerativeServiceStub) -> None:
    both = gs.CountTokensRequest(model=MODEL, contents=[user("a")], generate_content_request=request("b"))
    assert "generate_content_request" in violations(_rejected(lambda: gen.CountTokens(both, timeout=TIMEOUT)))
    neither = gs.CountTokensRequest(model=MODEL)
    assert "contents" in violations(_rejected(lambda: gen.CountTokens(neither, timeout=TIMEOUT)))
    inner = request(model="models/gemini-2.0-flash", contents=[Content(role="user")])
    nested = gs.CountTokensRequest(model=MODEL, generate_content_request=inner)
    found = violations(_rejected(lambda: gen.CountTokens(nested, timeout=TIMEOUT)))
    assert set(found) == {"generate_content_request.model", "generate_content_request.contents[0].parts"}
    no_model = gs.CountTokensRequest(model=MODEL, generate_content_request=request("c", model=""))
    assert gen.CountTokens(no_model, timeout=TIMEOUT).total_tokens == 1


def test_bad_knob_values_are_invalid_argument(gen: GenerativeServiceStub) -> None:
    for key, value in [
        ("x-emulator-fail", "NOT_A_CODE"),
        ("x-emulator-chunks", "0"),
        ("x-emulator-delay", "-1"),
    ]:
        error = _rejected(
            lambda key=key, value=value: gen.GenerateContent(
                request(), metadata=[(key, value)], timeout=TIMEOUT
            )
        )  # type: ignore[misc]
        assert key in error.details()  # type: ignore[attr-defined]
