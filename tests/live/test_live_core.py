"""The pure core of live sessions (genai._live) and the WebSocket codec, without a server."""

from __future__ import annotations

import base64
import json
import sys

import pytest

import genai
from genai._live import resume
from genai._live.config import build_setup, to_live_settings
from genai._live.messages import LiveServerMessage, LiveTurn, add_usage
from genai._live.resume import ReconnectPolicy, ResumeLedger
from genai._live.senders import client_content, realtime_input, tool_response
from genai._transport.settings import ChannelSettings
from genai._transport.websocket import (
    decode_server_message,
    encode_client_message,
    error_for_close,
    is_drop,
    ssl_context,
    websocket_url,
)
from genai._wire import messages as pb
from genai.errors import (
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    UnavailableError,
)


def audio(n: int, size: int = 640) -> pb.BidiGenerateContentClientMessage:
    return realtime_input(audio=bytes([n]) * size)


def texts(messages: list[pb.BidiGenerateContentClientMessage]) -> list[str]:
    out = []
    for m in messages:
        if m.HasField("client_content"):
            out.append(m.client_content.turns[0].parts[0].text)
        else:
            out.append(f"audio{m.realtime_input.audio.data[0]}")
    return out


# -- the resumption rule ----------------------------------------------------------------------------


def test_handle_covers_turns_answered_before_it() -> None:
    ledger = ResumeLedger()
    for text in ("a", "b", "c"):
        ledger.sent(resume.client_content(text))
    ledger.received(resume.turn_complete())  # answers a
    ledger.received(resume.handle_update("h1"))  # covers a
    ledger.received(resume.turn_complete())  # answers b, not covered yet
    assert ledger.handle == "h1"
    assert texts(ledger.replay()) == ["b", "c"]


def test_partial_content_belongs_to_the_next_turn() -> None:
    ledger = ResumeLedger()
    ledger.sent(client_content("part", turn_complete=False))
    ledger.sent(client_content("ask"))
    ledger.received(resume.handle_update("h0"))  # nothing answered: covers nothing
    assert len(ledger.replay()) == 2
    ledger.received(resume.turn_complete())
    ledger.received(resume.handle_update("h1"))
    assert ledger.replay() == [] and ledger.handle == "h1"


def test_realtime_input_rule_and_tool_responses_never_resent() -> None:
    ledger = ResumeLedger()
    ledger.sent(audio(1))
    ledger.sent(audio(2))
    ledger.received(resume.turn_complete())  # the utterance of chunks 1-2 was answered
    ledger.sent(audio(3))
    ledger.sent(tool_response({"id": "x", "name": "f", "response": {}}))
    ledger.received(resume.handle_update("h"))
    assert texts(ledger.replay()) == ["audio3"]


def test_unanswered_turn_keeps_later_realtime_input() -> None:
    ledger = ResumeLedger()
    ledger.sent(resume.client_content("q1"))
    ledger.sent(audio(1))
    ledger.sent(resume.client_content("q2"))
    ledger.received(resume.turn_complete())  # answers q1 only (turns are answered in order)
    ledger.received(resume.handle_update("h"))
    assert texts(ledger.replay()) == ["audio1", "q2"]


def test_not_resumable_updates_keep_the_last_good_handle() -> None:
    ledger = ResumeLedger()
    assert ledger.cannot_resume(enabled=True) == "the server had not sent a session resumption handle yet"
    ledger.received(resume.handle_update("", resumable=False))
    assert "resumable=false" in str(ledger.cannot_resume(enabled=True))
    ledger.received(resume.handle_update("h1"))
    ledger.received(resume.handle_update("", resumable=False))
    assert ledger.handle == "h1" and ledger.cannot_resume(enabled=True) is None
    assert "off" in str(ledger.cannot_resume(enabled=False))


def test_replay_limit_drops_oldest_realtime_input() -> None:
    ledger = ResumeLedger(replay_limit=3000)
    ledger.sent(resume.client_content("q"))
    for n in range(6):
        ledger.sent(audio(n, size=1000))
    assert ledger.dropped == 4
    assert texts(ledger.replay()) == ["q", "audio4", "audio5"]


def test_reconnect_policy() -> None:
    policy = ReconnectPolicy(initial_delay=0.5, multiplier=3, max_delay=2)
    assert [policy.delay(n) for n in (1, 2, 3)] == [0.5, 1.5, 2.0]
    with pytest.raises(ValueError, match="attempts"):
        ReconnectPolicy(attempts=0)
    with pytest.raises(ValueError, match="max_delay"):
        ReconnectPolicy(max_delay=-1)


# -- config -----------------------------------------------------------------------------------------


def test_setup_from_typed_and_dict_configs() -> None:
    def lookup(q: str) -> str:
        """Look something up."""
        return q

    typed = genai.types.LiveConnectConfig(
        response_modalities=["audio"],
        speech_config={"voice_config": {"prebuilt_voice_config": {"voice_name": "Kore"}}},
        temperature=0.4,
        system_instruction="Be brief.",
        tools=[lookup],
        realtime_input_config={
            "automatic_activity_detection": {"start_of_speech_sensitivity": "low", "silence_duration_ms": 300}
        },
        session_resumption={"handle": "old"},
        context_window_compression={"trigger_tokens": 1000, "sliding_window": {"target_tokens": 500}},
        input_audio_transcription=True,
        output_audio_transcription={},
    )
    settings = to_live_settings("gemini-live-2.5-flash", typed)
    setup = settings.setup
    assert list(setup.generation_config.response_modalities) == [pb.GenerationConfig.Modality.AUDIO]
    assert setup.generation_config.speech_config.voice_config.prebuilt_voice_config.voice_name == "Kore"
    assert setup.system_instruction.parts[0].text == "Be brief."
    assert setup.tools[0].function_declarations[0].name == "lookup"
    detection = setup.realtime_input_config.automatic_activity_detection
    assert detection.start_of_speech_sensitivity == detection.START_SENSITIVITY_LOW
    assert setup.session_resumption.handle == "old"
    assert setup.context_window_compression.sliding_window.target_tokens == 500
    assert setup.HasField("input_audio_transcription") and setup.HasField("output_audio_transcription")
    assert settings.automatic_calls and not settings.manual_activity and settings.resumption
    camel = build_setup(
        "m", {"responseModalities": ["TEXT"], "maxOutputTokens": 5, "sessionResumption": False}
    )
    assert camel.generation_config.max_output_tokens == 5 and not camel.HasField("session_resumption")
    # A resumed setup is a copy: the original stays as it was.
    base = to_live_settings("m", None).setup
    assert genai._live.config.with_handle(base, "h").session_resumption.handle == "h"
    assert base.session_resumption.handle == ""


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"response_modalities": ["TEXT", "AUDIO"]}, "not both"),
        ({"response_modalities": "TEXT"}, "a list"),
        ({"temperature": "hot"}, "config.temperature"),
        (
            {
                "system_instruction": {
                    "role": "user",
                    "parts": [{"inline_data": {"data": b"x", "mime_type": "image/png"}}],
                }
            },
            "text parts only",
        ),
        (
            {"realtime_input_config": {"automatic_activity_detection": {"silence_duration_ms": -1}}},
            "silence_duration_ms",
        ),
        ({"context_window_compression": {"trigger_tokens": 0}}, "trigger_tokens"),
        ({"generation_config": {"candidate_count": 2}}, "candidate_count"),
        ({"generation_config": {"stop_sequences": ["x"]}}, "stop_sequences"),
        ({"automatic_function_calling": {"disable": "yes"}}, "disable"),
        ({"tools": [42]}, "config.tools"),
    ],
)
def test_bad_configs_name_the_field(config: dict[str, object], match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        to_live_settings("m", config)  # type: ignore[arg-type]


# -- senders ----------------------------------------------------------------------------------------


def test_senders_coerce_and_refuse() -> None:
    assert client_content(["a", {"role": "model", "parts": ["b"]}]).client_content.turns[1].role == "model"
    assert not client_content("x", turn_complete=False).client_content.turn_complete
    blob = realtime_input(
        audio={"data": b"\x00\x00", "mime_type": "audio/pcm;rate=24000"}
    ).realtime_input.audio
    assert blob.mime_type == "audio/pcm;rate=24000"
    assert realtime_input(audio_stream_end=True, manual_activity=False).realtime_input.audio_stream_end
    assert realtime_input(activity_end=True, manual_activity=True).realtime_input.HasField("activity_end")
    for kwargs, match in [
        ({}, "exactly one"),
        ({"audio": b"\x00", "mime_type": "audio/wav"}, "audio/wav"),
        ({"audio": b"\x00", "mime_type": "audio/pcm;rate=fast"}, "rate"),
        ({"audio": "loud"}, "audio"),
        ({"video": b"not an image"}, "video"),
        ({"video": b"\x00", "mime_type": "video/mp4"}, "video/mp4"),
        ({"activity_start": True, "manual_activity": False}, "automatic activity detection is off"),
        ({"text": "x", "mime_type": "audio/pcm"}, "mime_type"),
    ]:
        with pytest.raises((TypeError, ValueError), match=match):
            realtime_input(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name"):
        tool_response({"id": "c1", "response": {}})
    with pytest.raises(ValueError, match="empty"):
        tool_response([])


def test_video_frames_from_pil_images() -> None:
    image_module = pytest.importorskip("PIL.Image")
    rgb = image_module.new("RGB", (8, 8), "red")
    frame = realtime_input(video=rgb).realtime_input.video
    assert frame.mime_type == "image/jpeg" and frame.data[:2] == b"\xff\xd8"
    rgba = image_module.new("RGBA", (8, 8))
    assert realtime_input(video=rgba).realtime_input.video.mime_type == "image/png"


# -- views ------------------------------------------------------------------------------------------


def test_unknown_and_usage_only_messages() -> None:
    usage = pb.BidiGenerateContentServerMessage(usage_metadata={"total_token_count": 3})
    unknown = pb.BidiGenerateContentServerMessage.FromString(usage.SerializeToString() + b"\xd2\x02\x03new")
    view = LiveServerMessage(unknown)
    assert view.kind is None and view.text is None and view.data is None and not view.turn_complete
    assert view.raw.SerializeToString().endswith(b"new")
    assert "usage_metadata" in repr(view)
    empty = LiveServerMessage(pb.BidiGenerateContentServerMessage())
    assert "unknown" in repr(empty)
    turn = LiveTurn()
    turn.add(view)
    turn.add(empty)
    assert turn.usage.total_token_count == 3 and turn.messages == 2 and turn.text == ""


def test_usage_sums_by_modality() -> None:
    total = pb.UsageMetadata()
    for _ in range(2):
        add_usage(
            total,
            pb.UsageMetadata(
                total_token_count=5,
                response_tokens_details=[
                    {"modality": "AUDIO", "token_count": 4},
                    {"modality": "TEXT", "token_count": 1},
                ],
            ),
        )
    assert total.total_token_count == 10
    assert [(d.modality, d.token_count) for d in total.response_tokens_details] == [
        (pb.Modality.AUDIO, 8),
        (pb.Modality.TEXT, 2),
    ]


def test_turn_view_accumulates() -> None:
    turn = LiveTurn()
    for raw in [
        {"server_content": {"model_turn": {"parts": [{"text": "Hi", "thought": True}, {"text": "Hel"}]}}},
        {
            "server_content": {
                "model_turn": {
                    "parts": [{"inline_data": {"mime_type": "audio/pcm;rate=24000", "data": b"ab"}}]
                }
            }
        },
        {"server_content": {"input_transcription": {"text": "hel"}, "output_transcription": {"text": "lo"}}},
        {"server_content": {"grounding_metadata": {}, "interrupted": True}},
        {"tool_call": {"function_calls": [{"id": "1", "name": "f"}]}},
        {"server_content": {"turn_complete": True}, "usage_metadata": {"total_token_count": 9}},
    ]:
        turn.add(LiveServerMessage(pb.BidiGenerateContentServerMessage(**raw)))  # type: ignore[arg-type]
    assert (turn.text, turn.audio, turn.audio_mime_type) == ("Hel", b"ab", "audio/pcm;rate=24000")
    assert (turn.input_transcription, turn.output_transcription) == ("hel", "lo")
    assert turn.interrupted and turn.complete and len(turn.grounding) == 1 and turn.tool_calls[0].id == "1"
    assert turn.usage.total_token_count == 9


# -- WebSocket codec --------------------------------------------------------------------------------


def test_websocket_url_headers_and_tls() -> None:
    remote = ChannelSettings(api_key="secret-key")
    assert websocket_url(remote) == (
        "wss://generativelanguage.googleapis.com:443/ws/"
        "google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
    )
    assert "secret-key" not in websocket_url(remote)
    assert ssl_context(remote) is not None
    local = ChannelSettings(endpoint="127.0.0.1:1", http_endpoint="localhost:2", insecure=True)
    assert websocket_url(local).startswith("ws://localhost:2/ws/") and ssl_context(local) is None
    with pytest.raises(ValueError, match="http_endpoint"):
        ChannelSettings(endpoint="127.0.0.1:1", http_endpoint="example.com:80", insecure=True)
    with pytest.raises(ValueError, match="http_endpoint"):
        ChannelSettings(http_endpoint="https://example.com/x")
    with pytest.raises(ValueError, match="root_certificates: not usable PEM"):
        ssl_context(ChannelSettings(root_certificates=b"not a pem"))


def test_json_codec_both_spellings_and_frames() -> None:
    message = realtime_input(audio=b"\x01\x02")
    encoded = json.loads(encode_client_message(message))
    assert encoded == {
        "realtimeInput": {
            "audio": {"mimeType": "audio/pcm;rate=16000", "data": base64.b64encode(b"\x01\x02").decode()}
        }
    }
    assert json.loads(encode_client_message(message.SerializeToString())) == encoded
    camel = decode_server_message('{"serverContent": {"turnComplete": true}, "futureField": 1}')
    snake = decode_server_message(b'{"server_content": {"turn_complete": true}}')
    assert camel == snake and camel.server_content.turn_complete
    with pytest.raises(genai.errors.APIError, match="not a BidiGenerateContentServerMessage"):
        decode_server_message("[1, 2]")


def test_close_codes_map_to_typed_errors() -> None:
    assert error_for_close(1000, "") is None
    cases = {
        1001: UnavailableError,
        1006: UnavailableError,
        1011: InternalError,
        1007: InvalidArgumentError,
        1008: PermissionDeniedError,
    }
    for code, cls in cases.items():
        error = error_for_close(code, "why")
        assert type(error) is cls and "why" in str(error)
        assert is_drop(error) == (code in (1001, 1006, 1011))
    assert not is_drop(InternalError("grpc internal"))
    missing = error_for_close(
        1008, "models/x is not found for API version v1beta, or is not supported for ..."
    )
    assert type(missing) is NotFoundError and not is_drop(missing)
    assert (
        type(error_for_close(1008, "API key not valid. Please pass a valid API key."))
        is PermissionDeniedError
    )
    quota = error_for_close(1011, "You exceeded your current quota, please check your plan and billing.")
    assert type(quota).__name__ == "ResourceExhaustedError" and not is_drop(quota)
    late = error_for_close(1011, "Deadline expired before operation could complete.")
    assert type(late).__name__ == "DeadlineExceededError" and not is_drop(late)
    assert is_drop(error_for_close(1011, "Internal error encountered."))


def test_client_http_endpoint_and_emulator_wiring() -> None:
    client = genai.Client(api_key="k", endpoint="127.0.0.1:1", http_endpoint="127.0.0.1:2", insecure=True)
    assert client._settings.http_target == "127.0.0.1:2"
    assert "k'" not in repr(client)
    client.close()
    default = genai.Client(api_key="k")
    assert default._settings.http_target == "generativelanguage.googleapis.com:443"
    default.close()
    with pytest.raises(TypeError, match="http_endpoint"):
        genai.Client(api_key="k", http_endpoint=5)  # type: ignore[arg-type]

    from genai.testing import Emulator

    class WithHttp(Emulator):
        http_endpoint = "127.0.0.1:9"

        def __init__(self) -> None:  # no server: only client() is exercised
            pass

        endpoint = "127.0.0.1:8"  # type: ignore[assignment]
        options = type("Options", (), {"api_keys": None})()  # type: ignore[assignment]

    wired = WithHttp().client()
    assert wired._settings.http_target == "127.0.0.1:9"
    wired.close()


def test_missing_websockets_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from genai._transport.ws_sync import WebSocketStream

    monkeypatch.setitem(sys.modules, "websockets.sync.client", None)
    stream = WebSocketStream(ChannelSettings(endpoint="127.0.0.1:1", insecure=True))
    with pytest.raises(genai.errors.UsageError, match=r"pip install 'genai\[live\]'"):
        stream.write(client_content("hi"))


def test_google_genai_shapes_of_realtime_input_and_config() -> None:
    """What google-genai users pass: marker objects and dicts, the older media=, media_resolution."""
    for marker in (True, pb.ActivityStart(), {}):
        message = realtime_input(activity_start=marker, manual_activity=True)
        assert message.realtime_input.HasField("activity_start")
    assert realtime_input(activity_end=pb.ActivityEnd(), manual_activity=True).realtime_input.HasField(
        "activity_end"
    )
    with pytest.raises(TypeError, match="activity_start"):
        realtime_input(activity_start="yes", manual_activity=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="activity_start"):
        realtime_input(activity_start={"when": 1}, manual_activity=True)
    audio = realtime_input(media=pb.Blob(mime_type="audio/pcm;rate=16000", data=b"\x01\x02"))
    assert audio.realtime_input.audio.data == b"\x01\x02"
    frame = realtime_input(media={"mime_type": "image/jpeg", "data": b"\xff\xd8"})
    assert frame.realtime_input.video.mime_type == "image/jpeg"
    with pytest.raises(ValueError, match="media: the mime type"):
        realtime_input(media={"mime_type": "text/plain", "data": b"x"})
    with pytest.raises(ValueError, match="not both"):
        realtime_input(media={"mime_type": "image/png", "data": b"x"}, audio=b"\x01\x02")
    setup = to_live_settings(
        "m", {"media_resolution": "MEDIA_RESOLUTION_LOW", "presence_penalty": 0.5, "frequencyPenalty": 0.25}
    ).setup
    assert (
        setup.generation_config.media_resolution == pb.GenerationConfig.MediaResolution.MEDIA_RESOLUTION_LOW
    )
    assert setup.generation_config.presence_penalty == 0.5
    assert setup.generation_config.frequency_penalty == 0.25
    assert genai.AsyncSession.close is genai.AsyncSession.aclose  # `await session.close()`


def test_an_interrupted_reply_answers_nothing_sent_after_it_began() -> None:
    """A barge-in: audio 3-4 interrupts the reply to audio 1-2; a handle at the cut covers 1-2 only."""
    ledger = ResumeLedger()
    ledger.sent(audio(1))
    ledger.sent(audio(2))
    ledger.model_turn_began()  # the reply to chunks 1-2 starts
    ledger.sent(audio(3))
    ledger.sent(audio(4))
    cut = pb.BidiGenerateContentServerMessage(server_content={"interrupted": True, "turn_complete": True})
    ledger.received(cut)
    ledger.received(resume.handle_update("h"))
    assert texts(ledger.replay()) == ["audio3", "audio4"]
    # The same reply not interrupted answers everything sent before its turn_complete.
    ledger = ResumeLedger()
    for n in (1, 2):
        ledger.sent(audio(n))
    ledger.model_turn_began()
    ledger.sent(audio(3))
    ledger.received(resume.turn_complete())
    ledger.received(resume.handle_update("h"))
    assert texts(ledger.replay()) == []


def test_an_interrupted_reply_leaves_a_barge_in_turn_unanswered() -> None:
    ledger = ResumeLedger()
    ledger.sent(audio(1))
    ledger.model_turn_began()
    ledger.sent(resume.client_content("stop"))  # a typed barge-in
    ledger.received(resume.turn_complete(), interrupted=True)
    ledger.received(resume.handle_update("h"))
    assert texts(ledger.replay()) == ["stop"]


def test_a_session_without_resumption_keeps_nothing_to_send_again() -> None:
    from genai._live.state import LiveState

    state = LiveState(to_live_settings("m", {"session_resumption": False}))
    for n in range(100):
        state.sent(resume.client_content(f"q{n}"))
    assert state.ledger.pending == 0
    kept = LiveState(to_live_settings("m", None))
    kept.sent(resume.client_content("q"))
    assert kept.ledger.pending == 1
