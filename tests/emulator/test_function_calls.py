"""Function calling for chats (docs/emulator.md, "Function calling" and "Chains"): call ids, repeated
calls, triggers, ANY mode and chains after function responses, the echo of results, the contents
marker, streaming and token counts."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from typing import Any

import grpc
import pytest
from genai_protos import content_pb2, generative_service_pb2
from genai_protos.generative_service_pb2_grpc import GenerativeServiceStub
from google.protobuf import json_format

from genai.emulator._calls import call_id
from genai.emulator._generate import request_digest
from genai.emulator._random import digest
from genai.testing import Emulator
from tests.emulator._helpers import TIMEOUT, joined, model_turn, request, text_of, user

gs = generative_service_pb2
Schema = content_pb2.Schema
T = content_pb2.Type
Mode = content_pb2.FunctionCallingConfig.Mode
ID = re.compile(r"call-[0-9a-f]{16}")

WEATHER = content_pb2.FunctionDeclaration(
    name="get_weather",
    parameters=Schema(
        type=T.OBJECT,
        properties={
            "city": Schema(type=T.STRING),
            "days": Schema(type=T.INTEGER, minimum=1, maximum=7),
            "units": Schema(type=T.STRING, enum=["celsius", "fahrenheit"]),
        },
        required=["city", "days"],
    ),
)
TIME = content_pb2.FunctionDeclaration(
    name="get_time",
    parameters=Schema(type=T.OBJECT, properties={"zone": Schema(type=T.STRING)}, required=["zone"]),
)
FLIP = content_pb2.FunctionDeclaration(
    name="flip", parameters=Schema(type=T.OBJECT, properties={"on": Schema(type=T.BOOLEAN)})
)
PING = content_pb2.FunctionDeclaration(name="ping")  # no parameters
TOOLS = [content_pb2.Tool(function_declarations=[WEATHER, TIME, FLIP, PING])]


def _config(mode: int, allowed: tuple[str, ...] = ()) -> content_pb2.ToolConfig:
    config = content_pb2.FunctionCallingConfig(mode=mode, allowed_function_names=allowed)  # type: ignore[arg-type]
    return content_pb2.ToolConfig(function_calling_config=config)


def _calls(response: gs.GenerateContentResponse, index: int = 0) -> list[content_pb2.FunctionCall]:
    return [p.function_call for p in response.candidates[index].content.parts if p.HasField("function_call")]


def _names(response: gs.GenerateContentResponse) -> list[str]:
    return [call.name for call in _calls(response)]


def _args(call: content_pb2.FunctionCall) -> dict[str, Any]:
    return json_format.MessageToDict(call.args)


def _results(response: gs.GenerateContentResponse, with_ids: bool = True) -> content_pb2.Content:
    """The user content answering every call of the response, in order, as a client sends it."""
    content = content_pb2.Content(role="user")
    for n, call in enumerate(_calls(response)):
        part = content.parts.add()
        part.function_response.name = call.name
        if with_ids:
            part.function_response.id = call.id
        part.function_response.response.update({"n": n})
    return content


def _ask(gen: GenerativeServiceStub, text: str = "", **fields: Any) -> gs.GenerateContentResponse:
    fields.setdefault("tools", TOOLS)
    return gen.GenerateContent(request(text, **fields), timeout=TIMEOUT)


# -- ids ------------------------------------------------------------------------------------------


def test_every_call_has_an_id_derived_from_the_seed_and_its_position(gen: GenerativeServiceStub) -> None:
    req = request("get_weather and get_time", tools=TOOLS, generation_config={"candidate_count": 2})
    response = gen.GenerateContent(req, timeout=TIMEOUT)
    first, second = [call.id for call in _calls(response)], [call.id for call in _calls(response, 1)]
    assert all(ID.fullmatch(i) for i in first + second)
    base = request_digest(req)
    assert first == [call_id(base, 0), call_id(base, 1)]  # candidate 0 uses the request's seed itself
    assert first[0] == "call-" + digest(base, b"call-id", b"0")[:8].hex()
    assert len(set(first + second)) == 4  # the second candidate has its own seed
    assert gen.GenerateContent(req, timeout=TIMEOUT) == response  # deterministic


def test_ids_differ_across_the_turns_of_a_conversation(gen: GenerativeServiceStub) -> None:
    contents = [user("[[chain:3]] get_weather twice: get_weather")]
    ids: list[str] = []
    for _ in range(3):
        response = _ask(gen, contents=contents)
        ids += [call.id for call in _calls(response)]
        contents += [response.candidates[0].content, _results(response)]
    contents += [model_turn("Done."), user("and again get_weather")]
    ids += [call.id for call in _calls(_ask(gen, contents=contents))]
    assert len(ids) == 7
    assert len(set(ids)) == 7


# -- repeated calls -------------------------------------------------------------------------------


def test_each_whole_word_mention_is_one_call_in_declaration_order(gen: GenerativeServiceStub) -> None:
    response = _ask(
        gen, "get_time? get_weather for Oslo, get_weather for Rome, get_time.zone and get_weather"
    )
    assert _names(response) == ["get_weather"] * 3 + ["get_time"] * 2
    weather = [_args(call) for call in _calls(response)[:3]]
    assert len({json.dumps(a, sort_keys=True) for a in weather}) == 3  # each call draws its own args
    for args in weather:
        assert 1 <= args["days"] <= 7 and args["units"] in ("celsius", "fahrenheit")
    assert _names(_ask(gen, " ".join(["ping"] * 12))) == ["ping"] * 8  # at most 8 per function
    assert [_args(call) for call in _calls(_ask(gen, "ping ping"))] == [{}, {}]


def test_the_first_calls_keep_the_args_and_counts_they_had_before_ids(gen: GenerativeServiceStub) -> None:
    response = _ask(gen, "call get_weather and get_time")
    weather, clock = _calls(response)
    assert _args(weather) == {"units": "celsius", "days": 6, "city": "valley"}
    assert _args(clock) == {"zone": "beacon quill"}
    usage = response.usage_metadata
    assert (usage.prompt_token_count, usage.candidates_token_count) == (177, 37)


def test_repeated_calls_differ_where_the_schema_leaves_room(gen: GenerativeServiceStub) -> None:
    calls = _calls(_ask(gen, "flip flip"))
    assert sorted(_args(call)["on"] for call in calls) == [False, True]


def test_names_with_dots_and_dashes_are_counted_too(gen: GenerativeServiceStub) -> None:
    tools = [content_pb2.Tool(function_declarations=[content_pb2.FunctionDeclaration(name="db.read-row")])]
    assert (
        _names(_ask(gen, "db.read-row then db.read-row; not db.read-rows", tools=tools))
        == ["db.read-row"] * 2
    )


# -- triggers -------------------------------------------------------------------------------------


def test_call_trigger_calls_any_name(gen: GenerativeServiceStub) -> None:
    response = _ask(gen, "please [[call:launch_rockets]]")
    ((call,),) = [_calls(response)]
    assert (call.name, _args(call)) == ("launch_rockets", {})
    assert ID.fullmatch(call.id)
    # Without tools at all, and for a declared function outside allowed_function_names (with args
    # that fit its schema); the trigger's own text is not also a mention.
    assert _names(_ask(gen, "[[call:undeclared]]", tools=[])) == ["undeclared"]
    declared = _calls(_ask(gen, "[[call:get_weather]]", tool_config=_config(Mode.AUTO, ("get_time",))))
    assert [call.name for call in declared] == ["get_weather"]
    assert set(_args(declared[0])) >= {"city", "days"}
    assert _names(_ask(gen, "[[call:a-b.c]] [[call:x y]] [[call:]]")) == ["a-b.c"]  # no spaces, not empty


def test_bad_args_trigger_sends_the_wrong_type_for_every_declared_property(
    gen: GenerativeServiceStub,
) -> None:
    kinds = content_pb2.FunctionDeclaration(
        name="kinds",
        parameters=Schema(
            type=T.OBJECT,
            properties={
                "count": Schema(type=T.INTEGER),
                "ratio": Schema(type=T.NUMBER),
                "flag": Schema(type=T.BOOLEAN),
                "name": Schema(type=T.STRING),
                "color": Schema(type=T.STRING, enum=["red", "blue"]),
                "tags": Schema(type=T.ARRAY, items=Schema(type=T.STRING)),
                "where": Schema(type=T.OBJECT, properties={"x": Schema(type=T.INTEGER)}),
                "either": Schema(any_of=[Schema(type=T.STRING), Schema(type=T.NUMBER)]),
                "text_or_list": Schema(
                    any_of=[Schema(type=T.STRING), Schema(type=T.ARRAY, items=Schema(type=T.STRING))]
                ),
            },
            required=["count"],
        ),
    )
    tools = [content_pb2.Tool(function_declarations=[kinds, PING])]
    response = _ask(gen, "[[bad-args:kinds]] [[bad-args:ping]] [[bad-args:nobody]]", tools=tools)
    (bad, no_params, undeclared) = _calls(response)
    args = _args(bad)
    assert bad.name == "kinds"
    for name in ("count", "ratio", "flag"):
        assert isinstance(args[name], str) and args[name]
    assert args["name"] == args["color"] == 1.5
    assert isinstance(args["tags"], dict) and list(args["tags"]) == ["item"]
    assert isinstance(args["where"], list) and len(args["where"]) == 1 and isinstance(args["where"][0], str)
    assert isinstance(args["either"], list)  # neither a string nor a number: the next in the fallback
    assert args["text_or_list"] == 1.5
    assert (no_params.name, list(_args(no_params))) == ("ping", ["unexpected"])
    assert (undeclared.name, _args(undeclared)) == ("nobody", {})


def test_bad_args_of_a_json_schema_declaration(gen: GenerativeServiceStub) -> None:
    decl = content_pb2.FunctionDeclaration(name="js")
    decl.parameters_json_schema.struct_value.update(
        {"$ref": "#/$defs/p", "$defs": {"p": {"type": "object", "properties": {"n": {"type": "integer"}}}}}
    )
    (call,) = _calls(_ask(gen, "[[bad-args:js]]", tools=[content_pb2.Tool(function_declarations=[decl])]))
    assert isinstance(_args(call)["n"], str)


def test_missing_args_trigger_leaves_out_the_required_properties(gen: GenerativeServiceStub) -> None:
    response = _ask(gen, "[[missing-args:get_weather]] [[missing-args:flip]]")
    weather, flip = _calls(response)
    assert set(_args(weather)) == {"units"}  # city and days are required
    assert set(_args(flip)) == {"on"}  # nothing required: an ordinary call


def test_triggers_come_after_mentions_in_the_order_written(gen: GenerativeServiceStub) -> None:
    response = _ask(gen, "[[bad-args:get_time]] get_time [[call:zeta]] get_weather [[missing-args:get_time]]")
    assert _names(response) == ["get_weather", "get_time", "get_time", "zeta", "get_time"]
    assert isinstance(_args(_calls(response)[2])["zone"], float)  # the bad-args call
    assert len(_calls(_ask(gen, "[[call:a]] " * 20))) == 16  # at most 16 trigger calls


def test_any_mode_falls_back_only_when_nothing_else_calls(gen: GenerativeServiceStub) -> None:
    assert _names(_ask(gen, "nothing named", tool_config=_config(Mode.ANY))) == ["get_weather"]
    assert _names(_ask(gen, "[[call:zeta]]", tool_config=_config(Mode.ANY))) == ["zeta"]


def test_none_mode_ignores_triggers_and_mentions(gen: GenerativeServiceStub) -> None:
    response = _ask(gen, "get_weather [[call:zeta]] [[bad-args:get_time]]", tool_config=_config(Mode.NONE))
    assert not _calls(response)
    assert text_of(response).startswith('You said: "get_weather [[call:zeta]] [[bad-args:get_time]]". ')


def test_only_the_last_user_text_is_searched(gen: GenerativeServiceStub) -> None:
    contents = [user("[[call:zeta]] get_weather"), model_turn("Sure."), user("Thanks.")]
    assert not _calls(_ask(gen, contents=contents))


# -- after function responses: ANY mode, chains, the echo -----------------------------------------


def test_any_mode_calls_again_after_function_responses(gen: GenerativeServiceStub) -> None:
    contents = [user("Weather please: get_weather")]
    for _ in range(4):
        response = _ask(gen, contents=contents, tool_config=_config(Mode.ANY))
        assert _names(response) == ["get_weather"]
        contents += [response.candidates[0].content, _results(response)]
    # Nothing named: the first allowed function, every round.
    contents = [user("whatever")]
    for _ in range(2):
        response = _ask(gen, contents=contents, tool_config=_config(Mode.ANY, ("get_time",)))
        assert _names(response) == ["get_time"]
        contents += [response.candidates[0].content, _results(response)]
    # [[chain:N]] does not stop ANY mode.
    contents = [user("[[chain:1]] ping")]
    first = _ask(gen, contents=contents, tool_config=_config(Mode.ANY))
    contents += [first.candidates[0].content, _results(first)]
    assert _names(_ask(gen, contents=contents, tool_config=_config(Mode.ANY))) == ["ping"]


def _run_loop(gen: GenerativeServiceStub, prompt: str, rounds_allowed: int = 10) -> tuple[int, str]:
    """A client's automatic function calling loop: (rounds of calls made, the final text)."""
    contents = [user(prompt)]
    for rounds in range(rounds_allowed + 1):
        response = _ask(gen, contents=contents)
        if not _calls(response):
            return rounds, text_of(response)
        contents += [response.candidates[0].content, _results(response)]
    raise AssertionError("the model kept calling")


def test_chain_makes_n_rounds_of_calls_then_answers(gen: GenerativeServiceStub) -> None:
    assert _run_loop(gen, "get_weather")[0] == 1  # AUTO without a chain: one round
    assert _run_loop(gen, "[[chain:3]] get_weather and ping")[0] == 3
    assert _run_loop(gen, "[[chain:0]] ping")[0] == 1
    assert _run_loop(gen, "[[chain:2]] nothing named")[0] == 0  # no first round, nothing to chain
    assert _run_loop(gen, "[[chain:2]] [[call:zeta]]")[0] == 2  # triggers repeat each round too
    rounds, text = _run_loop(gen, "[[chain:2]] get_weather ping")
    assert rounds == 2
    assert re.match(
        r'The function get_weather returned \{"n": 0\}\. The function ping returned \{"n": 1\}\. \w', text
    )


def test_a_chain_counts_the_rounds_of_the_current_turn_only(gen: GenerativeServiceStub) -> None:
    contents = [user("[[chain:2]] ping")]
    for _ in range(2):
        response = _ask(gen, contents=contents)
        contents += [response.candidates[0].content, _results(response)]
    contents += [_ask(gen, contents=contents).candidates[0].content, user("[[chain:2]] ping")]
    rounds = 0
    while _calls(response := _ask(gen, contents=contents)):
        rounds += 1
        contents += [response.candidates[0].content, _results(response)]
    assert rounds == 2


def test_function_responses_with_unknown_ids_are_flagged(gen: GenerativeServiceStub) -> None:
    contents = [user("get_weather and get_time")]
    response = _ask(gen, contents=contents)
    weather, _ = _calls(response)
    results = _results(response)
    results.parts[1].function_response.id = "call-0000000000000000"
    results.parts.add().function_response.MergeFrom(
        content_pb2.FunctionResponse(id=weather.id, name="get_time")  # right id, wrong name
    )
    text = text_of(_ask(gen, contents=[*contents, response.candidates[0].content, results]))
    assert text.startswith(
        'The function get_weather returned {"n": 0}. '  # matched: it reads as without an id
        'The function get_time (unknown id call-0000000000000000) returned {"n": 1}. '
        f"The function get_time (unknown id {weather.id}) returned {{}}. "
    )
    plain = 'The function get_weather returned {"n": 0}. The function get_time returned {"n": 1}. '
    for results in (_results(response), _results(response, with_ids=False)):
        text = text_of(_ask(gen, contents=[*contents, response.candidates[0].content, results]))
        assert text.startswith(plain)
    # Only the nearest model content counts: an id from an earlier round is unknown.
    chained = [user("[[chain:2]] ping")]
    first = _ask(gen, contents=chained)
    chained += [first.candidates[0].content, _results(first)]
    second = _ask(gen, contents=chained)
    chained += [second.candidates[0].content, _results(first)]
    assert text_of(_ask(gen, contents=chained)).startswith(
        f'The function ping (unknown id {_calls(first)[0].id}) returned {{"n": 0}}. '
    )


# -- streaming and tokens -------------------------------------------------------------------------


def test_a_call_reply_is_one_chunk_and_text_after_results_streams(gen: GenerativeServiceStub) -> None:
    req = request("get_weather get_weather [[call:zeta]]", tools=TOOLS)
    unary = gen.GenerateContent(req, timeout=TIMEOUT)
    assert list(gen.StreamGenerateContent(req, timeout=TIMEOUT)) == [unary]
    follow = request(
        contents=[user("get_weather"), unary.candidates[0].content, _results(unary)], tools=TOOLS
    )
    text = text_of(gen.GenerateContent(follow, timeout=TIMEOUT))
    chunks = list(gen.StreamGenerateContent(follow, timeout=TIMEOUT))
    assert len(chunks) > 2
    assert joined(chunks) == text
    assert text.startswith('The function get_weather returned {"n": 0}. The function get_weather returned')


def _count(gen: GenerativeServiceStub, contents: list[content_pb2.Content]) -> int:
    counted = gen.CountTokens(
        gs.CountTokensRequest(model=request().model, contents=contents), timeout=TIMEOUT
    )
    return counted.total_tokens


def _without_ids(content: content_pb2.Content) -> content_pb2.Content:
    copy = content_pb2.Content()
    copy.CopyFrom(content)
    for part in copy.parts:
        part.function_call.ClearField("id") if part.HasField("function_call") else None
        part.function_response.ClearField("id") if part.HasField("function_response") else None
    return copy


def test_ids_are_not_counted_as_tokens(gen: GenerativeServiceStub) -> None:
    response = _ask(gen, "get_weather ping")
    model = response.candidates[0].content
    assert response.usage_metadata.candidates_token_count == _count(gen, [_without_ids(model)])
    contents = [user("get_weather"), model, _results(response)]
    bare = [_without_ids(content) for content in contents]
    assert contents[1] != bare[1] and contents[2] != bare[2]
    assert _count(gen, contents) == _count(gen, bare)
    usage = _ask(gen, contents=contents, tools=[]).usage_metadata
    assert usage.prompt_token_count == _count(gen, bare)


# -- the contents marker --------------------------------------------------------------------------

HISTORY = [user("Hi"), model_turn("Hello."), user("How are you?")]


def _unary(
    gen: GenerativeServiceStub, req: gs.GenerateContentRequest, **knobs: str
) -> gs.GenerateContentResponse:
    metadata = tuple((f"x-emulator-{key.replace('_', '-')}", value) for key, value in knobs.items())
    return gen.GenerateContent(req, metadata=metadata, timeout=TIMEOUT)


def test_count_contents_marker_shows_the_history_that_was_sent(gen: GenerativeServiceStub) -> None:
    plain = text_of(_unary(gen, request(contents=HISTORY)))
    assert plain.startswith('You said: "How are you". ')  # off by default
    marked = text_of(_unary(gen, request(contents=HISTORY), count_contents="1"))
    assert marked == "[3 contents: 2 user, 1 model] " + plain  # the same reply after the marker
    for on in ("true", "ON", "yes"):
        assert text_of(_unary(gen, request(contents=HISTORY), count_contents=on)) == marked
    for off in ("0", "false", "off", "no", "none"):
        assert text_of(_unary(gen, request(contents=HISTORY), count_contents=off)) == plain
    one = text_of(_unary(gen, request("Hi"), count_contents="1"))
    assert one.startswith('[1 contents: 1 user, 0 model] You said: "Hi". ')
    unnamed = content_pb2.Content(parts=[content_pb2.Part(text="no role")])  # "" counts as user
    assert text_of(_unary(gen, request(contents=[unnamed]), count_contents="1")).startswith(
        "[1 contents: 1 user, 0 model] "
    )


def test_count_contents_marker_with_other_rules(gen: GenerativeServiceStub) -> None:
    words = text_of(_unary(gen, request(contents=HISTORY), count_contents="1", reply_words="8"))
    assert words == "[3 contents: 2 user, 1 model] You said:"  # the marker's words count
    stream = list(
        gen.StreamGenerateContent(
            request(contents=HISTORY), metadata=(("x-emulator-count-contents", "1"),), timeout=TIMEOUT
        )
    )
    assert joined(stream) == text_of(_unary(gen, request(contents=HISTORY), count_contents="1"))
    as_json = request(contents=HISTORY, generation_config={"response_mime_type": "application/json"})
    assert json.loads(text_of(_unary(gen, as_json, count_contents="1")))["text"].startswith("You said:")
    called = _unary(gen, request("get_weather", tools=TOOLS), count_contents="1")
    assert _names(called) == ["get_weather"] and not text_of(called)
    after = [user("get_weather"), called.candidates[0].content, _results(called)]
    text = text_of(_unary(gen, request(contents=after, tools=TOOLS), count_contents="1"))
    assert text.startswith('[3 contents: 2 user, 1 model] The function get_weather returned {"n": 0}. ')


def test_a_bad_count_contents_value_is_refused(gen: GenerativeServiceStub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        _unary(gen, request("Hi"), count_contents="maybe")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "x-emulator-count-contents" in (caught.value.details() or "")


def test_count_contents_as_an_emulator_default() -> None:
    with pytest.raises(ValueError, match="count_contents"):
        Emulator(count_contents="maybe")
    with Emulator(count_contents=True) as emu, grpc.insecure_channel(emu.endpoint) as channel:
        gen = GenerativeServiceStub(channel)
        assert text_of(_unary(gen, request(contents=HISTORY))).startswith("[3 contents: 2 user, 1 model] ")
        assert text_of(_unary(gen, request(contents=HISTORY), count_contents="off")).startswith("You said:")


def test_count_contents_on_the_command_line() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "genai.emulator", "--count-contents"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(30, proc.kill)
    watchdog.start()
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().rsplit(":", 1)[1].strip()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            reply = GenerativeServiceStub(channel).GenerateContent(request(contents=HISTORY), timeout=TIMEOUT)
        assert text_of(reply).startswith("[3 contents: 2 user, 1 model] ")
    finally:
        watchdog.cancel()
        proc.terminate()
        proc.communicate(timeout=10)


def test_usage_of_a_marked_reply_counts_the_marker(gen: GenerativeServiceStub) -> None:
    response = _unary(gen, request(contents=HISTORY), count_contents="1")
    reply_tokens = gen.CountTokens(
        gs.CountTokensRequest(model=request().model, contents=[user(text_of(response))]), timeout=TIMEOUT
    ).total_tokens
    assert response.usage_metadata.candidates_token_count == reply_tokens
