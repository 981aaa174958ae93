"""The live-session engine: BidiGenerateContent client messages in, server messages out, whatever
carries them (the gRPC and WebSocket front ends both run it).

    session = LiveSession(backend, "grpc", metadata)
    async for message in session.run(client_messages):   # an Outgoing: a server message, or an
        send(message)                                     # Unrecognized one (x-emulator-live-unknown)

`run` ends when the session ends normally, and raises RpcFailure otherwise (a LiveClose says how
a WebSocket shows it). The rules are documented for users in docs/emulator.md ("Live sessions").

Inside, one task reads the client's messages and decides (`_Conversation`), one task at a time
writes a model turn paced by the chunk delay (so that new input can interrupt it), and a timer
sends GoAway; all of them put their messages on one bounded queue that `run` hands out in order,
counting them for x-emulator-break-after.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Coroutine, Mapping
from typing import TYPE_CHECKING, Any

import grpc
from genai_protos import content_pb2, generative_service_pb2

from . import _knobs, _live_knobs, _work
from ._faults import AttemptCounter
from ._generate import Reply, Shape, plan_reply
from ._lifecycle import Running, shutting_down
from ._live_audio import RealtimeTurn, has_speech
from ._live_messages import (
    LiveClose,
    Outgoing,
    cancellation,
    chunk_message,
    content,
    internal,
    invalid,
    media_kind,
    pieces,
    setup_complete,
    time_limit,
    unrecognized,
    usage,
)
from ._live_resume import Resumptions, snapshot
from ._live_setup import LiveConfig, validate
from ._prelude import Call
from ._schema_graph import SchemaError
from ._session_faults import SessionFaults, message_fault, session_key
from ._state import LiveRecord
from ._status import RpcFailure, invalid_argument
from ._validate import contents_violations

if TYPE_CHECKING:
    from ._backend import Backend

gs = generative_service_pb2
ClientMessage = gs.BidiGenerateContentClientMessage
ServerMessage = gs.BidiGenerateContentServerMessage

SERVICE = "GenerativeService"
METHOD = "BidiGenerateContent"
OUTBOX = 64  # server messages waiting for a slow client before the session waits for it


class LiveSession:
    """One BidiGenerateContent connection of one server."""

    def __init__(self, backend: Backend, transport: str, metadata: Mapping[str, str | bytes]) -> None:
        self._backend = backend
        self._transport = transport
        self._metadata = metadata

    async def run(self, inbox: AsyncIterator[ClientMessage]) -> AsyncGenerator[Outgoing, None]:
        """The session's server messages, in order, for the client messages of `inbox`."""
        backend, metadata = self._backend, self._metadata
        try:
            first = await inbox.__anext__()
        except StopAsyncIteration:
            return  # the client left before its setup
        # The key is checked once the first message is in: refusing earlier would race a client
        # still writing its setup (gRPC then reports its own failed write instead of the refusal).
        backend.prelude.authenticate(metadata)
        if first.WhichOneof("message_type") != "setup":
            raise invalid("setup", "the first message of a session must be a setup message")
        setup = first.setup
        key = session_key(METHOD, metadata, setup)
        knobs = await backend.prelude.begin(Call(SERVICE, METHOD, metadata, setup, identity=key))
        try:
            live = _live_knobs.with_metadata(backend.options.live_knobs, metadata)
            fail_message = message_fault(metadata)
        except ValueError as exc:
            raise RpcFailure(grpc.StatusCode.INVALID_ARGUMENT, str(exc)) from None
        attempts = backend.state.attempts
        faults = SessionFaults(
            key, attempts, fail_message=fail_message, break_after=knobs.break_after, model=setup.model
        )
        record = LiveRecord(self._transport, dict(metadata), setup)
        record.add(first)
        backend.state.record_session(record)
        try:
            failure = faults.on_open()
            if failure is not None:
                raise LiveClose(failure, abrupt=True)
            failure = faults.on_client_message()
            if failure is not None:
                raise failure
            # Tools' schemas are compiled while validating: a worker thread's job.
            config = await backend.offload(lambda: validate(setup)) if setup.tools else validate(setup)
            conversation = _Conversation(backend, config, knobs, live, record, faults)
            conversation.restore(key, attempts)
            yield setup_complete()
            if (failure := faults.on_server_message()) is not None:
                raise LiveClose(failure, abrupt=True)
            async for message in conversation.run(inbox):
                yield message
                if (failure := faults.on_server_message()) is not None:
                    raise LiveClose(failure, abrupt=True)
        finally:
            backend.state.session_ended(record)


class _Conversation:
    """The state of one session and the tasks that write its messages."""

    def __init__(
        self,
        backend: Backend,
        config: LiveConfig,
        knobs: _knobs.Knobs,
        live: _live_knobs.LiveKnobs,
        record: LiveRecord,
        faults: SessionFaults,
    ) -> None:
        self._backend = backend
        self._running: Running = backend.running
        self._resumptions: Resumptions = backend.resumptions
        self._config = config
        self._knobs = knobs
        self._live = live
        self._record = record
        self._faults = faults
        self._outbox: asyncio.Queue[Outgoing | BaseException | None] = asyncio.Queue(OUTBOX)
        self.contents: list[content_pb2.Content] = []
        self.turns = 0
        self._turn: asyncio.Task[None] | None = None
        self._generating = False
        self._partial: list[str] = []
        self._calls: dict[str, str] = {}  # pending call id -> name, in order
        self._call_content: content_pb2.Content | None = None
        self._answers: dict[str, content_pb2.FunctionResponse] = {}
        self._realtime = RealtimeTurn()
        self._tasks: set[asyncio.Future[Any]] = set()

    # -- opening ---------------------------------------------------------------------------------

    def restore(self, key: bytes, attempts: AttemptCounter) -> None:
        """Load the context a resumption handle names (RpcFailure when it cannot)."""
        state = self._resumptions.resume(self._config.setup, self._live.refuse_resume, key, attempts)
        if state is not None:
            self.contents, self.turns = state.restore(), state.turns

    async def run(self, inbox: AsyncIterator[ClientMessage]) -> AsyncIterator[Outgoing]:
        """Every message after setup_complete, until the session ends."""
        if self._live.unknown:
            self._outbox.put_nowait(unrecognized())
        if self._config.resumable:
            self._outbox.put_nowait(self._handle_update())
        self._spawn(self._read(inbox))
        if self._live.goaway is not None:
            self._spawn(self._goaway(self._live.goaway))
        stop = asyncio.ensure_future(self._running.wait())
        self._tasks.add(stop)
        try:
            while True:
                if self._outbox.empty():
                    getter = asyncio.ensure_future(self._outbox.get())
                    self._tasks.add(getter)
                    await asyncio.wait((getter, stop), return_when=asyncio.FIRST_COMPLETED)
                    self._tasks.discard(getter)
                    if not getter.done():
                        getter.cancel()
                        raise LiveClose(shutting_down(), going_away=True)
                    item = getter.result()
                else:
                    item = self._outbox.get_nowait()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            await self._close()

    async def _close(self) -> None:
        tasks = [t for t in (*self._tasks, self._turn) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _put(self, item: Outgoing | BaseException | None) -> None:
        await self._outbox.put(item)

    def _handle_update(self) -> ServerMessage:
        state = snapshot(self._config.setup.model, self.contents, self.turns)
        update = gs.SessionResumptionUpdate(new_handle=self._resumptions.issue(state), resumable=True)
        return ServerMessage(session_resumption_update=update)

    async def _goaway(self, spec: _live_knobs.GoAwaySpec) -> None:
        try:
            await self._running.sleep(spec.after)
            message = ServerMessage()
            message.go_away.time_left.FromNanoseconds(round(spec.time_left * 1e9))
            await self._put(message)
            await self._running.sleep(spec.time_left)
            await self._put(LiveClose(time_limit(), going_away=True))
        except RpcFailure:
            pass  # the server stops: run() ends the session
        except Exception as exc:  # a bug must end the session, not hang it
            await self._put(internal(exc))

    # -- reading ---------------------------------------------------------------------------------

    async def _read(self, inbox: AsyncIterator[ClientMessage]) -> None:
        try:
            async for message in inbox:
                self._record.add(message)
                failure = self._faults.on_client_message()
                if failure is not None:
                    raise failure
                await self._handle(message)
            # The client sent everything: finish the turn in progress, then end.
            if self._turn is not None and not self._calls:
                await asyncio.wait({self._turn})  # (never raises: the turn reports its own failure)
            await self._put(None)
        except RpcFailure as failure:
            await self._put(failure)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must end the session, not hang it
            await self._put(internal(exc))

    async def _handle(self, message: ClientMessage) -> None:
        kind = message.WhichOneof("message_type")
        if kind == "client_content":
            await self._client_content(message.client_content)
        elif kind == "realtime_input":
            await self._realtime_input(message.realtime_input)
        elif kind == "tool_response":
            self._tool_response(message.tool_response)
        elif kind == "setup":
            raise invalid("setup", "setup may be sent only once, as the first message")
        else:
            raise invalid(
                "message_type", "the message has none of setup, client_content, realtime_input, tool_response"
            )

    async def _new_input(self, interrupt: bool) -> None:
        """New user input: interrupt the model turn in progress (if `interrupt`) and cancel the
        tool calls waiting for responses."""
        if interrupt:
            await self._interrupt()
        if self._calls:
            ids, self._call_content = list(self._calls), None
            self._calls.clear()
            self._answers.clear()
            await self._put(cancellation(ids))
            await self._cut()  # the calls' turn ("only ... where the clients interrupt server turns")

    async def _cut(self) -> None:
        """End a turn cut short by new input: "interrupted > turn_complete" (the API's order), a handle."""
        await self._put(content(interrupted=True))
        await self._put(content(turn_complete=True))
        if self._config.resumable:
            await self._put(self._handle_update())

    async def _interrupt(self) -> None:
        turn = self._turn
        if turn is None or turn.done():
            return
        if not self._generating:  # only turn_complete and the handle are left: let it finish
            await asyncio.wait({turn})
            return
        turn.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await turn
        self._turn = None
        self._generating = False
        if self._partial:
            said = content_pb2.Part(text="".join(self._partial))
            self.contents.append(content_pb2.Content(role="model", parts=[said]))
        await self._cut()

    async def _client_content(self, message: gs.BidiGenerateContentClientContent) -> None:
        turns = list(message.turns)
        if turns:
            found = contents_violations(turns, "client_content.")
            if found:
                found = [(f.replace("client_content.contents", "client_content.turns"), d) for f, d in found]
                raise invalid_argument("BidiGenerateContentClientMessage", found)
        await self._new_input(interrupt=True)
        self._flush_realtime()
        self.contents.extend(turns)
        if message.turn_complete:
            if not self.contents:
                raise invalid("client_content.turns", "turn_complete with nothing to respond to")
            self._start_turn()

    def _flush_realtime(self) -> None:
        realtime = self._realtime
        if not realtime.empty:
            realtime.finish()
            self.contents.append(realtime.content())
        self._realtime = RealtimeTurn()

    async def _realtime_input(self, message: gs.BidiGenerateContentRealtimeInput) -> None:
        config = self._config
        automatic = config.automatic
        starts, ends = message.HasField("activity_start"), message.HasField("activity_end")
        if automatic and (starts or ends):
            field = "realtime_input.activity_start" if starts else "realtime_input.activity_end"
            raise invalid(field, "activity markers need automatic_activity_detection.disabled")
        if not automatic and message.HasField("audio_stream_end"):
            raise invalid(
                "realtime_input.audio_stream_end",
                "audio_stream_end is only accepted with automatic activity detection",
            )
        if starts and not self._realtime.active:
            await self._new_input(config.interrupts)
            self._realtime.active = True
        media = [("media_chunks[0]", blob) for blob in message.media_chunks[:1]]
        if message.HasField("audio"):
            media.append(("audio", message.audio))
        if message.HasField("video"):
            media.append(("video", message.video))
        for field, blob in media:
            if media_kind(field, blob) == "video":
                self._realtime.frames.append(blob.mime_type.lower())
            else:
                await self._audio(blob.data)
        if message.HasField("text") and message.text:
            if automatic or not self._realtime.active:
                await self._new_input(config.interrupts)
                self._realtime.texts.append(message.text)
                await self._end_user_turn()
            else:
                self._realtime.texts.append(message.text)
        if message.HasField("audio_stream_end") and message.audio_stream_end and self._realtime.active:
            await self._end_user_turn()
        if ends and self._realtime.active:
            await self._end_user_turn()

    async def _audio(self, data: bytes) -> None:
        config, realtime = self._config, self._realtime
        speech = has_speech(data)
        if config.automatic and speech and not realtime.active:
            await self._new_input(config.interrupts)
            realtime.active = True
        if not realtime.active:
            return  # silence outside a turn, or audio outside the client's activity markers
        heard = realtime.hear(data)
        await self._transcribe(heard)
        if config.automatic:
            realtime.silence = 0 if speech else realtime.silence + len(data)
            if realtime.silence >= config.silence_bytes:
                await self._end_user_turn()

    async def _transcribe(self, words: list[str]) -> None:
        if not (words and self._config.input_transcription):
            return
        start = len(self._realtime.words) - len(words)
        for i, word in enumerate(words):
            text = word if start + i == 0 else " " + word
            await self._put(content(input_transcription=gs.BidiGenerateContentTranscription(text=text)))

    async def _end_user_turn(self) -> None:
        realtime = self._realtime
        await self._transcribe(realtime.finish())
        self._realtime = RealtimeTurn()
        if realtime.empty:
            return
        self.contents.append(realtime.content())
        self._start_turn()

    def _tool_response(self, message: gs.BidiGenerateContentToolResponse) -> None:
        if not self._calls:
            return  # a late answer to cancelled calls
        for response in message.function_responses:
            call_id = response.id
            if not call_id:
                call_id = next(
                    (i for i, n in self._calls.items() if n == response.name and i not in self._answers), ""
                )
            if call_id in self._calls and call_id not in self._answers:
                answer = content_pb2.FunctionResponse()
                answer.CopyFrom(response)
                answer.id = call_id
                self._answers[call_id] = answer
        if len(self._answers) < len(self._calls) or self._call_content is None:
            return
        answers = content_pb2.Content(role="user")
        for call_id in self._calls:
            answers.parts.add().function_response.CopyFrom(self._answers[call_id])
        self.contents += [self._call_content, answers]
        self._calls.clear()
        self._answers.clear()
        self._call_content = None
        self._start_turn()

    # -- writing ---------------------------------------------------------------------------------

    def _start_turn(self) -> None:
        self._turn = asyncio.ensure_future(self._write_turn(self._turn))

    async def _write_turn(self, previous: asyncio.Task[None] | None) -> None:
        try:
            if previous is not None and not previous.done():
                await previous
            self._generating = True
            self._partial = []
            await self._model_turn()
        except RpcFailure as failure:
            await self._put(failure)
        except Exception as exc:  # a bug must end the session, not hang it
            await self._put(internal(exc))
        finally:
            self._generating = False

    async def _plan(self) -> Reply:
        config, knobs = self._config, self._knobs
        request = config.request(self.contents)
        shape = Shape(knobs.reply_words, knobs.chunks, knobs.count_contents)

        def work() -> Reply:
            try:
                return plan_reply(request, shape, config.schemas)
            except SchemaError as exc:
                raise invalid_argument(
                    "BidiGenerateContentSetup", [(f"setup.{exc.field}", str(exc))]
                ) from None

        if _work.inline(request, knobs):
            return work()
        return await self._backend.offload(work)

    async def _model_turn(self) -> None:
        config, delay = self._config, self._live.chunk_delay
        if config.resumable:
            await self._put(
                ServerMessage(session_resumption_update=gs.SessionResumptionUpdate(resumable=False))
            )
        reply = await self._plan()
        candidate = reply.candidates[0] if reply.candidates else None
        if candidate is not None and candidate.calls:
            self._call_content = content_pb2.Content(role="model", parts=candidate.calls)
            self._calls = {part.function_call.id: part.function_call.name for part in candidate.calls}
            call = gs.BidiGenerateContentToolCall(function_calls=[p.function_call for p in candidate.calls])
            self._generating = False
            await self._put(ServerMessage(tool_call=call))
            return
        sent = 0
        if candidate is not None and candidate.thought:
            await self._put(
                content(model_turn=content_pb2.Content(role="model", parts=[candidate.thought_part()]))
            )
            sent += 1
        text = candidate.text if candidate is not None and not candidate.blocked else ""
        words = text.split(" ") if text else []
        groups = pieces(words, self._knobs.chunks)
        for i, piece in enumerate(groups):
            if sent:
                await self._running.sleep(delay)
            chunk = " ".join(piece) + (" " if i < len(groups) - 1 else "")
            await self._put(
                chunk_message(chunk, piece, self._config.audio, self._config.output_transcription)
            )
            self._partial.append(chunk)
            sent += 1
        # Generation is over: the turn joins the context; what follows cannot be interrupted.
        self._generating = False
        if text:
            self.contents.append(content_pb2.Content(role="model", parts=[content_pb2.Part(text=text)]))
        self.turns += 1
        if sent:
            await self._running.sleep(delay)
        await self._put(content(generation_complete=True))
        if self._live.unknown:
            await self._put(unrecognized())
        final = content(turn_complete=True)
        final.usage_metadata.CopyFrom(usage(reply, candidate, self._config.audio))
        await self._put(final)
        if config.resumable:
            await self._put(self._handle_update())
