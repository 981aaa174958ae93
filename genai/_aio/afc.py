"""Automatic function calling: run the Python functions the model calls, send their results, repeat.

    >>> def get_weather(city: str) -> str:
    ...     "The weather in a city."
    ...     return "sunny"
    >>> reply = await client.aio.models.generate_content(
    ...     model="gemini-2.5-flash", contents="What is the get_weather in Paris?",
    ...     config={"tools": [get_weather]})
    >>> reply.text
    'The function get_weather returned {"result": "sunny"}. ...'
    >>> [content.role for content in reply.automatic_function_calling_history]
    ['user', 'model', 'user']

One round: the model replies with function calls; the functions run (concurrently: tasks here,
threads in the generated sync face); one user content with their responses (ids and names matched)
is sent with everything before it. The loop ends when the model answers without calling a function,
calls a function that was declared without a Python callable (the reply goes back to the caller),
or after ``maximum_remote_calls`` model calls (the last reply goes back with its calls unanswered).
Only the first candidate's calls are run. Each request is the first request's bytes followed by the
rounds so far, so a round costs the same however long the conversation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from genai._functions.calling import FunctionCalling
from genai._functions.invoke import AsyncFunctionInvoker
from genai._requests.calls import GENERATE_CONTENT, STREAM_GENERATE_CONTENT
from genai._requests.encode import encode_contents
from genai._transport import AsyncServerStream, AsyncTransport
from genai._transport.options import CallOptions
from genai._views.accumulate import StreamAccumulator
from genai._views.responses import GenerateContentResponse
from genai._wire import messages as pb

__all__ = ["AsyncFunctionRounds", "AsyncFunctionRoundsStream"]

# Told of each finished round: the model's reply (with its calls) and the responses sent back.
OnRound = Callable[[pb.GenerateContentResponse, pb.Content], None]


class AsyncFunctionRounds:
    """One request's rounds of function calling: what was sent first, the rounds since, the limit."""

    def __init__(
        self,
        transport: AsyncTransport,
        first: bytes | pb.GenerateContentRequest,
        options: CallOptions,
        calling: FunctionCalling,
        sent: Callable[[], list[pb.Content]],
        on_round: OnRound | None = None,
    ) -> None:
        self._transport = transport
        self._first = first
        self._prefix: bytes | None = None
        self._options = options
        self._calling = calling
        self._sent = sent  # the first request's contents, built only if someone asks for the history
        self._on_round = on_round
        self.rounds: list[pb.Content] = []
        self.model_calls = 0

    def request(self) -> bytes | pb.GenerateContentRequest:
        """The next request: the first one, then its bytes followed by every round so far."""
        if not self.rounds:
            return self._first
        if self._prefix is None:
            first = self._first
            self._prefix = first if isinstance(first, bytes) else first.SerializeToString()
        return self._prefix + encode_contents(self.rounds)

    def history(self) -> Sequence[pb.Content] | Callable[[], list[pb.Content]]:
        """``automatic_function_calling_history`` for the final reply (built when it is read)."""
        if not self.rounds or self._calling.ignore_call_history:
            return ()
        rounds = list(self.rounds)
        return lambda: [*self._sent(), *rounds]

    async def answer(self, reply: pb.GenerateContentResponse) -> bool:
        """Run the functions ``reply`` calls and add the round; False when the loop ends with it."""
        self.model_calls += 1
        if self.model_calls >= self._calling.maximum_remote_calls:
            return False
        candidates = reply.candidates
        if not candidates:
            return False
        calls = [part.function_call for part in candidates[0].content.parts if part.HasField("function_call")]
        jobs = self._calling.plan(calls)
        if jobs is None:
            return False
        thunks = [functools.partial(AsyncFunctionInvoker.call, job) for job in jobs]
        parts = await self._transport.gather(thunks)
        responses = pb.Content(role="user", parts=parts)
        model = pb.Content()
        model.CopyFrom(candidates[0].content)
        model.role = "model"
        self.rounds += (model, responses)
        if self._on_round is not None:
            self._on_round(reply, responses)
        return True

    async def generate(self, schema: Any) -> GenerateContentResponse[Any]:
        """Call the model until it stops calling Python functions; its last reply as a view."""
        while True:
            reply = await self._transport.unary(
                GENERATE_CONTENT, self.request(), options=self._options, metadata=self._options.metadata
            )
            if not await self.answer(reply):
                return GenerateContentResponse(reply, schema=schema, afc_history=self.history())


class AsyncFunctionRoundsStream:
    """The chunks of every round, as one server stream (what the stream wrapper reads).

    The functions of a round run once its stream has ended; the next round's stream follows. The
    caller sees every round's chunks; ``final`` is the last round's merged reply.
    """

    def __init__(self, rounds: AsyncFunctionRounds) -> None:
        self._rounds = rounds
        self._current: AsyncServerStream[pb.GenerateContentResponse] | None = None
        self._accumulator = StreamAccumulator()
        self._cancelled = False
        self.completed = False
        self.final: pb.GenerateContentResponse | None = None

    def _open(self) -> AsyncServerStream[pb.GenerateContentResponse]:
        options = self._rounds._options
        stream = self._rounds._transport.server_stream(
            STREAM_GENERATE_CONTENT, self._rounds.request(), options=options, metadata=options.metadata
        )
        self._current = stream
        return stream

    def __aiter__(self) -> AsyncFunctionRoundsStream:
        return self

    async def __anext__(self) -> pb.GenerateContentResponse:
        while True:
            if self._cancelled:
                raise StopAsyncIteration
            stream = self._current if self._current is not None else self._open()
            try:
                chunk = await anext(stream)
            except StopAsyncIteration:
                ended = stream.completed and not self._cancelled
            else:
                self._accumulator.add(chunk)
                return chunk
            if not ended:  # closed or cancelled: the wrapper sees an incomplete stream
                raise StopAsyncIteration
            reply = self._accumulator.final()
            self._accumulator = StreamAccumulator()
            if not await self._rounds.answer(reply):
                self.final = reply
                self.completed = True
                raise StopAsyncIteration
            self._current = None  # the next round's stream opens on the next read

    def history(self) -> Sequence[pb.Content] | Callable[[], list[pb.Content]]:
        """``automatic_function_calling_history`` of the final reply."""
        return self._rounds.history()

    def cancel(self) -> None:
        """Cancel the round in flight; no further round starts."""
        self._cancelled = True
        if self._current is not None:
            self._current.cancel()

    async def aclose(self) -> None:
        self.cancel()
