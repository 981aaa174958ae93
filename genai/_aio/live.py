"""Live sessions (BidiGenerateContent): ``client.aio.live.connect(...)`` -> ``AsyncSession``.

    >>> config = {"response_modalities": ["TEXT"]}
    >>> connection = client.aio.live.connect(model="gemini-live-2.5-flash", config=config)
    >>> type(connection).__name__
    'AsyncSession'
    >>> async with connection as session:
    ...     await session.send_client_content(turns="Hello")
    ...     print((await session.receive_turn()).text[:18])
    You said: "Hello".

(Each method's docstring has an example that runs against the emulator.)

**Sending.** ``send_client_content``, ``send_realtime_input`` and ``send_tool_response`` coerce their
input (genai._live.senders) and send one message: when nothing is queued and nothing is being
written, the sender writes it itself (waiting for the connection's flow control); otherwise it goes
on the session's queue, which a writer (a task; a thread on the sync face) empties in order. The
queue holds at most ``queue_size`` messages: when it is full a send waits until the writer makes
room (backpressure: a producer faster than the connection slows down to its pace instead of
buffering without bound).
While the session reconnects, sends are queued. Sends from several tasks (or threads) are safe;
each keeps its order.

**Receiving.** A reader (task or thread) reads the connection into an inbox that holds what has not been
received yet (unbounded: a session whose messages are never received keeps them). ``receive()``
yields the messages of one model turn (it ends after the message with ``turn_complete``);
``receive_all()`` every message until the session ends; ``receive_turn()`` gives the next turn as a
``LiveTurn`` (text, audio, transcriptions, tool calls, usage, ``interrupted``). ``setup_complete``
messages are not delivered; every other message is, once, including ones this version does not know
(``kind`` None; ``raw`` keeps their unknown fields over gRPC, ``unknown_json`` their JSON over WebSocket).

**Tools.** With Python callables among ``config["tools"]`` the session answers the model's tool
calls itself (the calls of one message concurrently; errors go back as responses, as in chats)
unless ``automatic_function_calling={"disable": True}``; the tool calls are delivered all the same.
A ``tool_call_cancellation`` cancels the named calls still running (an async function's task is
cancelled; a sync function runs on in its thread and its result is dropped) and nothing is sent for
them. Calls to plain declarations are the caller's: ``send_tool_response``.

**Reconnection.** The session keeps the server's latest resumable handle (resumption is on unless
``session_resumption=False``). On a GoAway it moves to a new connection as soon as the turn in flight
has completed and a handle covers it, at the latest ``go_away_margin`` seconds before ``time_left``
runs out; when the connection
drops (gRPC UNAVAILABLE, a reset, WebSocket close 1001/1006/1011/1012/1013) it resumes at once. Both
are transparent: the same session and iterators go on, messages queued meanwhile are sent after the
new setup, and the client messages the handle does not cover are sent again (genai._live.resume:
a client turn whose reply had not completed; realtime input sent after the last completed reply;
never tool responses, never anything the handle covers). Each reconnection is recorded in
``reconnects`` (``ReconnectEvent``) and passed to ``on_reconnect`` if given. When the session cannot
resume (no handle yet, only ``resumable=false`` updates, the server refuses the handle, or
``reconnect.attempts`` connections failed) it ends with ``genai.errors.LiveResumeError`` saying why.

**Ending.** The server's other closes end the session with their typed error
(``InvalidArgumentError``, ``PermissionDeniedError``/``UnauthenticatedError``, ``InternalError``,
``DeadlineExceededError`` ..., carrying the server's reason); a normal close ends it quietly.
Leaving ``async with`` (or ``aclose()``) closes the connection and stops every task (or thread) of
the session. A Python thread cannot be stopped: on the sync face, closing waits for a tool function
that is still running (at most 10 s; past that its daemon thread finishes alone, its result dropped).
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any

from genai._coercion.content import ContentsLike
from genai._functions.table import FunctionJob
from genai._live import senders
from genai._live.config import LiveConfigLike, to_live_settings, with_handle
from genai._live.messages import LiveServerMessage, LiveTurn, cut_short
from genai._live.resume import ReconnectPolicy
from genai._live.runtime import AsyncLiveRuntime, AsyncToolCalls
from genai._live.state import LiveState, ReconnectEvent
from genai._transport import AsyncTransport, AsyncWebSocketStream, ChannelSettings
from genai._transport.websocket import is_drop
from genai._wire import messages as pb
from genai._wire import rpcs
from genai.errors import APIError, GenAIError, LiveResumeError, LiveSessionClosedError, LiveSetupError

__all__ = ["AsyncLive", "AsyncSession"]

LIVE = rpcs.GenerativeService.BidiGenerateContent
TRANSPORTS = ("grpc", "websocket")
DEFAULT_QUEUE_SIZE = 64
# How often the writer and a waiting sender look whether the session is closing.
POLL = 0.05
_END: Any = object()


class AsyncLive:
    """Opens live sessions; reached as ``client.aio.live``."""

    def __init__(self, transport: AsyncTransport, settings: ChannelSettings) -> None:
        self._transport = transport
        self._settings = settings

    def connect(
        self,
        *,
        model: str,
        config: LiveConfigLike | None = None,
        transport: str = "grpc",
        on_reconnect: Callable[[ReconnectEvent], Any] | None = None,
        reconnect: ReconnectPolicy | None = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> AsyncSession:
        """A live session with ``model``, opened by ``async with`` (the module docstring has the rules).

        >>> client.aio.live.connect(model="gemini-live-2.5-flash", transport="websocket")
        AsyncSession(model='models/gemini-live-2.5-flash', transport='websocket', not connected)
        >>> async with client.aio.live.connect(model="gemini-live-2.5-flash", transport="websocket") as s:
        ...     print(s)
        AsyncSession(model='models/gemini-live-2.5-flash', transport='websocket', open)

        ``transport``: ``"grpc"`` (default) or ``"websocket"`` (to the client's ``http_endpoint``;
        needs ``pip install genai[live]``). A bad ``config`` fails here, before any connection.
        """
        if transport not in TRANSPORTS:
            raise ValueError(f"transport: expected 'grpc' or 'websocket'; got {transport!r:.40}")
        if isinstance(queue_size, bool) or not isinstance(queue_size, int) or queue_size < 1:
            raise ValueError(f"queue_size: expected an int >= 1; got {queue_size!r:.40}")
        if reconnect is not None and not isinstance(reconnect, ReconnectPolicy):
            raise TypeError(
                f"reconnect: expected a genai.types.ReconnectPolicy or None; got {type(reconnect).__name__}"
            )
        return AsyncSession(
            self._transport,
            self._settings,
            LiveState(to_live_settings(model, config)),
            kind=transport,
            on_reconnect=on_reconnect,
            policy=reconnect or ReconnectPolicy(),
            queue_size=queue_size,
        )


class AsyncSession:
    """One live session: senders, receivers, and the workers (tasks or threads) that keep it connected."""

    def __init__(
        self,
        transport: AsyncTransport,
        settings: ChannelSettings,
        state: LiveState,
        *,
        kind: str,
        on_reconnect: Callable[[ReconnectEvent], Any] | None,
        policy: ReconnectPolicy,
        queue_size: int,
    ) -> None:
        self._transport = transport
        self._settings = settings
        self._state = state
        self._kind = kind
        self._on_reconnect = on_reconnect
        self._policy = policy
        self._runtime = AsyncLiveRuntime()
        self._outbox = self._runtime.queue(queue_size)
        self._inbox = self._runtime.queue(0)
        self._write_lock = self._runtime.lock()
        self._pending = self._runtime.signal()  # something waits to be written
        self._front: deque[pb.BidiGenerateContentClientMessage] = deque()  # ... before the queue
        self._failed: Any = None  # the connection a write failed on
        self._write_carried = False  # a cancelled sender's write goes on in a task (see _send)
        self._epoch = 0  # connections so far: tool calls answer only the one that asked them
        self._stopping = self._runtime.signal()
        self._calls = AsyncToolCalls()
        self._stream: Any = None
        self._opening: Any = None
        self._workers: list[Any] = []
        self._tool_workers: list[Any] = []
        self._go_away: Any = None  # the timer that ends a connection the server said goes away
        self._go_away_stream: Any = None
        self._started = False
        self._closed = False
        self._ended = False  # the reader has stopped: nothing more will be received
        self._drained = False  # a receiver has seen the end
        self._error: BaseException | None = None

    # -- opening and closing ----------------------------------------------------------------------

    async def __aenter__(self) -> AsyncSession:
        if self._started:
            raise LiveSessionClosedError("a live session can be entered once; connect again for a new one")
        self._started = True
        try:
            self._stream = await self._open(self._state.settings.setup)
        except BaseException:
            self._closed = True
            raise
        reader = self._runtime.start(self._read_loop, "reader")
        self._inbox.follow(reader)
        self._workers.append(reader)
        self._workers.append(self._runtime.start(self._write_loop, "writer"))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection and stop every worker of the session (tasks or threads). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        self._pending.set()
        timer = self._go_away
        if timer is not None:
            timer.cancel()
        self._calls.cancel_all()
        for stream in (self._opening, self._stream):
            if stream is not None:
                stream.cancel()
        await self._runtime.stop(self._workers + self._tool_workers + self._runtime.adopted)
        for stream in (self._opening, self._stream):
            if stream is not None:
                with contextlib.suppress(Exception):
                    await stream.aclose()
        self._ended = True
        self._inbox.put_nowait(_END)

    close = aclose  # google-genai's name for it (``await session.close()``)

    def _new_stream(self) -> Any:
        metadata = self._state.settings.metadata
        if self._kind == "websocket":
            return AsyncWebSocketStream(
                self._settings, open_timeout=self._policy.setup_timeout, metadata=metadata
            )
        return self._transport.bidi(LIVE, metadata=metadata)

    async def _open(self, setup: pb.BidiGenerateContentSetup) -> Any:
        """A new connection whose setup the server has confirmed; raises if it does not."""
        stream = self._opening = self._new_stream()
        timer = self._runtime.call_later(self._policy.setup_timeout, stream.cancel)
        try:
            await stream.write(pb.BidiGenerateContentClientMessage(setup=setup))
            while True:
                first = await stream.read()
                if first is None or first.HasField("setup_complete"):
                    break
                # Anything before setup_complete is unexpected; keep it for the caller.
                self._inbox.put_nowait(self._state.received(first))
        except Exception as err:
            timer.cancel()
            stream.cancel()
            self._opening = None
            if self._closed:
                raise LiveSessionClosedError("the live session was closed while connecting") from None
            if timer.fired:
                raise LiveSetupError(
                    "the server did not confirm the live session's setup within "
                    f"{self._policy.setup_timeout:g} s"
                ) from err
            raise
        except BaseException:
            timer.cancel()
            stream.cancel()
            self._opening = None
            raise
        timer.cancel()
        self._opening = None
        if first is None:
            stream.cancel()
            if self._closed:
                raise LiveSessionClosedError("the live session was closed while connecting")
            if timer.fired:
                raise LiveSetupError(
                    "the server did not confirm the live session's setup within "
                    f"{self._policy.setup_timeout:g} s"
                )
            raise LiveSetupError(
                "the server closed the connection before confirming the live session's setup"
            )
        return stream

    # -- sending ----------------------------------------------------------------------------------

    async def send_client_content(
        self, *, turns: ContentsLike | None = None, turn_complete: bool = True
    ) -> None:
        """Add ``turns`` (anything ``contents=`` takes); ``turn_complete`` asks the model to reply.

        >>> async with client.aio.live.connect(model="gemini-live-2.5-flash") as session:
        ...     await session.send_client_content(turns="Ann here.", turn_complete=False)
        ...     await session.send_client_content(turns="Who am I?")
        ...     print((await session.receive_turn()).text[:22])
        You said: "Who am I".

        Waits while the send queue is full (the module docstring explains the backpressure).
        """
        await self._send(senders.client_content(turns, turn_complete))

    async def send_realtime_input(
        self,
        *,
        audio: senders.AudioLike | None = None,
        video: senders.VideoLike | None = None,
        text: str | None = None,
        activity_start: senders.MarkerLike = False,
        activity_end: senders.MarkerLike = False,
        audio_stream_end: bool = False,
        mime_type: str | None = None,
        media: senders.AudioLike | None = None,
    ) -> None:
        """Stream one piece of realtime input: exactly one of its kinds per call.

        >>> speech = bytes([0xE8, 0x03]) * 8000  # 0.5 s of 16 kHz PCM at amplitude 1,000
        >>> async with client.aio.live.connect(
        ...     model="gemini-live-2.5-flash", config={"input_audio_transcription": True}
        ... ) as session:
        ...     await session.send_realtime_input(audio=speech)
        ...     await session.send_realtime_input(audio_stream_end=True)
        ...     print(len((await session.receive_turn()).input_transcription.split()), "words heard")
        2 words heard

        ``audio``: 16-bit PCM bytes (``audio/pcm;rate=16000`` unless ``mime_type=``), a Blob or its
        dict; ``video``: a JPEG/PNG frame (bytes, Blob, or a PIL image); ``text``; the activity
        markers (only with automatic activity detection off; True, ``types.ActivityStart()`` or ``{}``);
        ``audio_stream_end`` (only with it on); ``media``: google-genai's older form (a Blob, sent
        as audio or video by its mime type).
        """
        message = senders.realtime_input(
            audio=audio,
            video=video,
            text=text,
            activity_start=activity_start,
            activity_end=activity_end,
            audio_stream_end=audio_stream_end,
            mime_type=mime_type,
            manual_activity=self._state.settings.manual_activity,
            media=media,
        )
        await self._send(message)

    async def send_tool_response(self, *, function_responses: senders.FunctionResponsesLike) -> None:
        """Answer the model's tool calls: FunctionResponses (or dicts) with the calls' ids and names.

        >>> lookup = {"function_declarations": [{"name": "lookup", "description": "Looks a word up."}]}
        >>> async with client.aio.live.connect(
        ...     model="gemini-live-2.5-flash", config={"tools": [lookup]}
        ... ) as session:
        ...     await session.send_client_content(turns="[[call:lookup]]")
        ...     async for message in session.receive():
        ...         if message.tool_call:
        ...             (call,) = message.tool_call.function_calls
        ...             answer = {"id": call.id, "name": call.name, "response": {"ok": True}}
        ...             await session.send_tool_response(function_responses=answer)
        ...         elif message.text:
        ...             print(message.text[:28])
        ...             break
        The function lookup returned
        """
        await self._send(senders.tool_response(function_responses))

    async def _send(self, message: pb.BidiGenerateContentClientMessage) -> None:
        self._check_open()
        # The fast path: nothing is waiting and nobody writes, so the sender writes it itself (in
        # order: the writer takes queued messages only while it holds the write lock).
        if await self._runtime.try_lock(self._write_lock):
            try:
                stream = self._stream
                if (
                    stream is not None
                    and stream is not self._failed
                    and not self._front
                    and self._outbox.qsize() == 0
                    and not self._stopping.is_set()
                ):
                    try:
                        # A sender cancelled in the middle of the write must not cancel the call
                        # (grpc.aio would): the write finishes apart (_carry_write).
                        await self._runtime.finish_apart(
                            stream.write(message), self._carry_write, message, stream
                        )
                    except Exception:
                        # The reader sees the connection end and reconnects; the writer sends it then.
                        self._front.append(message)
                        self._failed = stream
                    else:
                        self._state.sent(message)
                    return
            finally:
                if self._write_carried:  # the task finishing the write holds the lock now
                    self._write_carried = False
                else:
                    self._write_lock.release()
        while True:
            self._check_open()
            if await self._outbox.put(message, POLL):
                self._pending.set()
                return

    def _carry_write(self, rest: Any, message: pb.BidiGenerateContentClientMessage, stream: Any) -> Any:
        self._write_carried = True
        return self._finish_write(rest, message, stream)

    async def _finish_write(
        self, write: Any, message: pb.BidiGenerateContentClientMessage, stream: Any
    ) -> None:
        """The rest of a write whose sender was cancelled: recorded as sent, or kept for the writer."""
        try:
            _ = await write  # (the sync face never calls this: a thread's write is not cancelled)
        except Exception:
            self._front.append(message)
            self._failed = stream
        else:
            self._state.sent(message)
        finally:
            self._write_lock.release()
            self._pending.set()  # what queued meanwhile

    def _check_open(self) -> None:
        if not self._started:
            raise LiveSessionClosedError("the live session is not open yet: use it with 'async with'")
        if self._error is not None:
            raise LiveSessionClosedError(f"the live session has ended: {self._error}") from self._error
        if self._closed or self._ended:
            raise LiveSessionClosedError("the live session is closed")

    async def _write_loop(self) -> None:
        """Send what waits (first what a broken connection left, then the queue) whenever told to."""
        while not self._stopping.is_set() and not self._ended:
            await self._pending.wait(self._runtime.idle)
            self._pending.clear()
            async with self._write_lock:
                stream = self._stream
                if stream is None or stream is self._failed:
                    continue  # a reconnection sets _pending again once the new connection is ready
                while not self._stopping.is_set():
                    item = self._front.popleft() if self._front else self._outbox.get_nowait()
                    if item is None:
                        break
                    try:
                        await stream.write(item)
                    except Exception:
                        # The reader sees the connection end and reconnects; the item waits for that.
                        self._front.appendleft(item)
                        self._failed = stream
                        break
                    self._state.sent(item)

    # -- receiving --------------------------------------------------------------------------------

    async def receive(self) -> AsyncIterator[LiveServerMessage]:
        """The messages of the next model turn; the iteration ends after the one with ``turn_complete``.

        >>> async with client.aio.live.connect(model="gemini-live-2.5-flash") as session:
        ...     await session.send_client_content(turns="Hi")
        ...     print([m.turn_complete async for m in session.receive()][-1])
        True

        It also ends when the session does (raising its error, if it failed), and early when the
        connection was replaced in the middle of the turn: then its last message says
        ``interrupted`` (with ``reconnect`` set), the turn is sent again (see the module docstring),
        and its new reply is the next turn.
        """
        started = False
        while True:
            item = await self._next()
            if item is None:
                return
            if isinstance(item, ReconnectEvent):
                if started:
                    yield cut_short(item)
                    return
                continue
            started = started or _in_turn(item)
            yield item
            if item.turn_complete:
                return

    async def receive_all(self) -> AsyncIterator[LiveServerMessage]:
        """Every message until the session ends (raising its error, if it failed).

        A turn that a reconnection cut short is followed by a message saying ``interrupted`` (with
        ``reconnect`` set): what came of its reply is stale, and the re-sent turn's reply follows.

        >>> async with client.aio.live.connect(model="gemini-live-2.5-flash") as session:
        ...     await session.send_client_content(turns="Hi")
        ...     async for message in session.receive_all():
        ...         if message.turn_complete:
        ...             print(message.usage_metadata.total_token_count > 0)
        ...             break
        True
        """
        started = False
        while True:
            item = await self._next()
            if item is None:
                return
            if isinstance(item, ReconnectEvent):
                if started:  # the turn in flight was cut short: its reply comes again, whole
                    started = False
                    yield cut_short(item)
                continue
            started = not item.turn_complete and (started or _in_turn(item))
            yield item

    async def receive_turn(self) -> LiveTurn:
        """The next model turn, accumulated: its text, audio, transcriptions, tool calls, usage.

        >>> config = {"response_modalities": ["AUDIO"]}
        >>> async with client.aio.live.connect(model="gemini-live-2.5-flash", config=config) as session:
        ...     await session.send_client_content(turns="Hi")
        ...     turn = await session.receive_turn()
        >>> turn.audio_mime_type, len(turn.audio) % 4800, turn.complete
        ('audio/pcm;rate=24000', 0, True)

        A turn cut short by a reconnection comes back with ``complete`` False and ``reconnected``
        True; the reply to the re-sent turn is the next one.
        """
        turn = LiveTurn()
        started = False
        while True:
            item = await self._next()
            if item is None:
                return turn
            if isinstance(item, ReconnectEvent):
                if started:
                    turn.reconnected = True
                    return turn
                continue
            started = started or _in_turn(item)
            turn.add(item)
            if item.turn_complete:
                return turn

    async def _next(self) -> LiveServerMessage | ReconnectEvent | None:
        if not self._started:
            raise LiveSessionClosedError("the live session is not open yet: use it with 'async with'")
        if not self._drained:
            item: Any = await self._inbox.get(None)
            if item is not _END:
                message: LiveServerMessage | ReconnectEvent = item
                return message
            self._drained = True
            self._inbox.put_nowait(_END)  # for another receiver waiting meanwhile
        if self._error is not None:
            raise self._error
        return None

    async def _read_loop(self) -> None:
        try:
            await self._read_connections()
        except Exception as err:  # a failure of our own: the receivers get it rather than silence
            if not self._stopping.is_set():
                self._error = err
        finally:
            self._ended = True
            self._inbox.put_nowait(_END)

    async def _read_connections(self) -> None:
        while not self._stopping.is_set():
            stream = self._stream
            try:
                raw = await stream.read()
            except APIError as err:
                if self._stopping.is_set():
                    return
                if is_drop(err):
                    if await self._reconnect("dropped", err):
                        continue
                    return
                self._error = err
                return
            except Exception as err:  # anything else ends the session with it
                if not self._stopping.is_set():
                    self._error = err
                return
            if raw is None:
                if self._stopping.is_set():
                    return
                if self._go_away_stream is stream:
                    if await self._reconnect("go_away", None):
                        continue
                    return
                return  # the server ended the session normally
            self._take(raw, stream)
            if self._go_away_stream is stream and self._state.settled:
                if await self._reconnect("go_away", None):
                    continue
                return

    def _take(self, raw: pb.BidiGenerateContentServerMessage, stream: Any) -> None:
        message = self._state.received(raw)
        kind = message.kind
        if kind == "server_content":  # the common case (every audio chunk): nothing else to do
            self._inbox.put_nowait(message)
            return
        if kind == "setup_complete":
            return
        if kind is None:  # a kind this version does not know: over WebSocket, keep its JSON
            message.unknown_json = getattr(stream, "unknown_json", None)
        if kind == "go_away":
            seconds = raw.go_away.time_left.seconds + raw.go_away.time_left.nanos / 1e9
            self._go_away_stream = stream
            if self._go_away is not None:
                self._go_away.cancel()
            self._go_away = self._runtime.call_later(
                max(0.0, seconds - self._policy.go_away_margin), stream.cancel
            )
        elif kind == "tool_call" and self._state.settings.automatic_calls:
            self._answer(raw.tool_call)
        elif kind == "tool_call_cancellation":
            self._calls.cancel(list(raw.tool_call_cancellation.ids))
        self._inbox.put_nowait(message)

    async def _reconnect(self, reason: str, cause: APIError | None) -> bool:
        """Move to a new connection; False (the session's error set) when that cannot be done."""
        old = self._stream
        old.cancel()
        timer = self._go_away
        if timer is not None:
            timer.cancel()
        self._go_away = self._go_away_stream = None
        # Calls of the lost connection: their ids mean nothing on the next one, whose reply to the
        # re-sent turn asks again. No response is sent for them.
        self._epoch += 1
        self._calls.cancel_all()
        async with self._write_lock:
            self._stream = None
        why = "the connection dropped" if cause is not None else "the server ended the connection (GoAway)"
        problem = self._state.cannot_resume()
        if problem is not None:
            error = LiveResumeError(f"{why} and the session cannot be resumed: {problem}")
            error.__cause__ = cause
            self._error = error
            return False
        attempts = 0
        last: BaseException | None = cause
        while not self._stopping.is_set():
            attempts += 1
            handle, replay = self._state.resume_plan()
            try:
                stream = await self._open(with_handle(self._state.settings.setup, handle))
                async with self._write_lock:
                    for message in replay:
                        await stream.write(message)
                    self._stream = stream
            except LiveSessionClosedError:
                return False
            except GenAIError as err:
                last = err
                if isinstance(err, APIError) and not is_drop(err):
                    error = LiveResumeError(f"{why} and the server refused to resume the session: {err}")
                    error.__cause__ = err
                    self._error = error
                    return False
                if attempts >= self._policy.attempts:
                    error = LiveResumeError(
                        f"{why} and {attempts} attempt(s) to resume the session failed: {err}"
                    )
                    error.__cause__ = err
                    self._error = error
                    return False
                await self._stopping.wait(self._policy.delay(attempts))
                continue
            self._pending.set()  # the writer goes on with what waited meanwhile
            event = self._state.reconnected(
                reason, attempts, handle, len(replay), None if last is None else str(last)
            )
            self._inbox.put_nowait(event)  # receive() ends a turn the reconnection cut short
            if self._on_reconnect is not None:
                with contextlib.suppress(Exception):  # a failing callback must not end the session
                    self._on_reconnect(event)
            return True
        return False

    # -- tools ------------------------------------------------------------------------------------

    def _answer(self, call: pb.BidiGenerateContentToolCall) -> None:
        table = self._state.settings.functions
        if table is None:
            return
        plan = table.plan(list(call.function_calls))
        if not plan.jobs:
            return
        jobs = list(plan.jobs)
        epoch = self._epoch

        async def run() -> None:
            await self._run_calls(jobs, epoch)

        self._tool_workers = [w for w in self._tool_workers if not _finished(w)]
        self._tool_workers.append(self._runtime.start(run, "tools"))

    async def _run_calls(self, jobs: list[FunctionJob], epoch: int) -> None:
        def current() -> bool:  # still the connection that asked (a reconnection moves the epoch on)
            return epoch == self._epoch

        thunks = [_thunk(self._calls, job, current) for job in jobs]
        results = await self._transport.gather(thunks)
        responses = [response for response in results if response is not None]
        if responses and not self._stopping.is_set() and current():
            with contextlib.suppress(GenAIError):
                await self._send(senders.tool_response(responses))

    # -- state ------------------------------------------------------------------------------------

    @property
    def usage(self) -> pb.UsageMetadata:
        """Token usage of the whole session so far (every message's usage summed, across reconnects)."""
        return self._state.usage

    @property
    def last_turn(self) -> LiveTurn | None:
        """The last model turn that completed (None before the first)."""
        return self._state.last_turn

    @property
    def reconnects(self) -> list[ReconnectEvent]:
        """Every reconnection so far, oldest first."""
        return list(self._state.reconnects)

    @property
    def resumption_handle(self) -> str | None:
        """The latest resumable handle the server sent (a later session can resume from it)."""
        return self._state.ledger.handle

    def __repr__(self) -> str:
        state = getattr(self, "_state", None)
        if state is None:
            return f"{type(self).__name__}(?)"
        status = (
            "not connected"
            if not self._started
            else "closed"
            if self._closed
            else "ended"
            if self._ended
            else "open"
        )
        return (
            f"{type(self).__name__}(model={state.settings.setup.model!r}, transport={self._kind!r}, {status})"
        )


def _thunk(calls: AsyncToolCalls, job: FunctionJob, current: Callable[[], bool]) -> Callable[[], Any]:
    async def run() -> pb.FunctionResponse | None:
        if not current():  # its connection was lost before it began: the re-sent turn asks again
            return None
        return await calls.run(job)

    return run


def _in_turn(message: LiveServerMessage) -> bool:
    """Whether a message belongs to a model turn (not a handle, GoAway or usage between turns)."""
    return message.kind in ("server_content", "tool_call", "tool_call_cancellation")


def _finished(worker: Any) -> bool:
    done = getattr(worker, "done", None)
    if done is not None:
        return bool(done())
    return not worker.is_alive()
