"""``client.aio.operations``: long-running operations, fetched by name, waited for, listed.

An operation is polled with google.longrunning.Operations/GetOperation on the client's own
channel (the API serves it on its host). What an operation says (typed metadata, result, error)
and how a wait polls (`PollPlan`) are pure (genai._views.operations); here they are only fetched
and slept on, through the transport's interface, so the asyncio face never blocks its loop.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from genai._requests.calls import CallConfig, ModelsCore
from genai._transport import AsyncTransport
from genai._transport.checks import check_timeout
from genai._transport.options import NO_RETRY, CallOptions, checked_call_options
from genai._views.operations import OperationCore, PollPlan, check_operation_name
from genai._wire import rpcs
from genai.errors import APIError, DeadlineExceededError, NotSupportedError, OperationTimeoutError

__all__ = ["AsyncOperation", "AsyncOperations"]

GET_OPERATION = rpcs.Operations.GetOperation
LIST_OPERATIONS = rpcs.Operations.ListOperations

ProgressCallback = Callable[["AsyncOperation"], object]

_NO_CANCEL = (
    "the Gemini API offers no CancelOperation for {name}: tuning and prediction operations run to "
    "the end (delete a tuned model with client.tunings.delete to discard it)"
)


def _check_callback(on_progress: object) -> None:
    if on_progress is not None and not callable(on_progress):
        raise TypeError(
            f"on_progress: expected a callable taking the operation, or None; got {on_progress!r}"
        )


class AsyncOperation(OperationCore):
    """A long-running operation: ``name``, ``done``, ``metadata``, ``result()``, ``wait()``.

    >>> op = await client.aio.tunings.create(base_model="gemini-2.5-flash", training_dataset=[("1", "2")])
    >>> op.name.startswith("tunedModels/"), op.metadata.total_steps
    (True, 5)
    """

    def __init__(self, raw: Any, transport: AsyncTransport, options: CallOptions, plan: PollPlan) -> None:
        super().__init__(raw)
        self._transport = transport
        self._options = options
        self._plan = plan
        self._fetched = True  # False: only the name is known yet (the first poll then goes at once)

    async def refresh(self) -> AsyncOperation:
        """Fetch the operation's current state (one GetOperation, retried per the client's policy).

        >>> op = await client.aio.tunings.create(base_model="gemini-2.5-flash", training_dataset=[("1", "2")])
        >>> (await op.refresh()).name == op.name
        True
        """
        request = GET_OPERATION.request(name=self.name)
        options = self._options
        self._update(
            await self._transport.unary(GET_OPERATION, request, options=options, metadata=options.metadata)
        )
        return self

    async def wait(
        self, *, timeout: float | None = None, on_progress: ProgressCallback | None = None
    ) -> AsyncOperation:
        """Poll until the operation finishes; returns it (``.result()`` is then ready).

        Polls back off exponentially with jitter (as the client's retry policy: initial, multiplier,
        maximum, jitter). A poll that fails with UNAVAILABLE, DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED
        is waited out (the server's RetryInfo honoured): until the timeout, or without one up to
        10 such failures in a row; other errors are raised. ``on_progress(operation)`` is called
        after every successful poll.
        ``timeout`` (seconds, None: no limit) bounds the whole wait: past it, OperationTimeoutError
        (a TimeoutError) carries the operation's ``name``; the operation itself goes on. A failed
        operation raises its error (an APIError subclass with ``operation_name``).

        >>> op = await client.aio.tunings.create(base_model="gemini-2.5-flash", training_dataset=[("1", "2")])
        >>> (await op.wait(timeout=30)).result().state == types.TunedModel.ACTIVE
        True
        """
        limit = check_timeout(timeout, "timeout")
        _check_callback(on_progress)
        plan = self._plan
        start = time.monotonic()
        polls = failures = 0
        last: APIError | None = None
        request = GET_OPERATION.request(name=self.name)
        while not self.done:
            if last is not None:
                delay = plan.after_failure(last, polls)
            else:
                delay = plan.delay(polls) if self._fetched else 0.0
            remaining = None if limit is None else limit - (time.monotonic() - start)
            if limit is not None and remaining is not None:
                if remaining <= 0:
                    raise self._timed_out(limit, last)
                delay = min(delay, remaining)
            await self._transport.sleep(delay)
            options = self._poll_options(None if limit is None else limit - (time.monotonic() - start))
            try:
                raw = await self._transport.unary(
                    GET_OPERATION, request, options=options, metadata=options.metadata
                )
            except APIError as error:
                if not plan.transient(error) or (limit is None and failures >= plan.max_failures):
                    error.operation_name = self.name
                    raise
                failures += 1
                clipped = options.timeout != self._options.timeout  # the wait's end cut this poll short
                if last is None or not (clipped and isinstance(error, DeadlineExceededError)):
                    last = error  # (a poll cut short by the wait's end is not news: keep the real cause)
                continue
            failures, last = 0, None
            polls += 1
            self._fetched = True
            self._update(raw)
            if on_progress is not None:
                on_progress(self)
        failure = self.error
        if failure is not None:
            raise failure
        return self

    def _poll_options(self, remaining: float | None) -> CallOptions:
        """One poll: no retry of its own (the wait is the retry loop), its deadline within the wait's."""
        timeout = self._options.timeout
        if remaining is not None:
            remaining = max(remaining, 0.001)
            timeout = remaining if timeout is None else min(timeout, remaining)
        return checked_call_options(timeout, NO_RETRY, self._options.metadata)

    def _timed_out(self, limit: float, last: APIError | None) -> OperationTimeoutError:
        error = OperationTimeoutError(
            f"operation {self.name} did not finish within {limit:g} s (it goes on: "
            f"resume with client.operations.get({self.name!r}))",
            name=self.name,
            operation=self if self._fetched else None,
        )
        error.__cause__ = last
        return error

    async def cancel(self) -> None:
        """Not offered by the API for these operations: raises NotSupportedError."""
        raise NotSupportedError(_NO_CANCEL.format(name=self.name))


class AsyncOperations(ModelsCore):
    """Operations by name; reached as ``client.aio.operations``."""

    def __init__(self, transport: AsyncTransport, defaults: CallOptions) -> None:
        super().__init__(defaults)
        self._transport = transport

    def _plan(self) -> PollPlan:
        return PollPlan.from_retry(self._defaults.retry)

    def _wrap(self, raw: Any, options: CallOptions) -> AsyncOperation:
        return AsyncOperation(raw, self._transport, options, self._plan())

    async def get(self, name: str | AsyncOperation, *, config: CallConfig | None = None) -> AsyncOperation:
        """The operation named `name` as it stands now: resume one from a stored name.

        >>> op = await client.aio.tunings.create(base_model="gemini-2.5-flash", training_dataset=[("1", "2")])
        >>> (await client.aio.operations.get(op.name)).name == op.name
        True
        """
        checked = check_operation_name(name)
        options = self._options(config)
        request = GET_OPERATION.request(name=checked)
        raw = await self._transport.unary(GET_OPERATION, request, options=options, metadata=options.metadata)
        return self._wrap(raw, options)

    async def wait(
        self,
        name: str | AsyncOperation,
        *,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        config: CallConfig | None = None,
    ) -> AsyncOperation:
        """Wait for the operation named `name` (as ``AsyncOperation.wait``; the first poll goes at once,
        and its failures are waited out like any poll's).

        >>> op = await client.aio.tunings.create(base_model="gemini-2.5-flash", training_dataset=[("1", "2")])
        >>> (await client.aio.operations.wait(op.name, timeout=30)).done
        True
        """
        checked = check_operation_name(name)
        limit = check_timeout(timeout, "timeout")
        _check_callback(on_progress)
        operation = self._wrap(GET_OPERATION.response(name=checked), self._options(config))
        operation._fetched = False
        return await operation.wait(timeout=limit, on_progress=on_progress)

    def list(
        self, parent: str, *, page_size: int | None = None, config: CallConfig | None = None
    ) -> AsyncIterator[AsyncOperation]:
        """The operations under `parent` (a tuned model, "tunedModels/x"), page by page.

        >>> op = await client.aio.tunings.create(base_model="gemini-2.5-flash", training_dataset=[("1", "2")])
        >>> parent = op.name.split("/operations/")[0]
        >>> [o.name async for o in client.aio.operations.list(parent)] == [op.name]
        True
        """
        if not isinstance(parent, str) or not parent.startswith(("tunedModels/", "models/")):
            raise ValueError(f"parent: expected a name like 'tunedModels/my-model'; got {parent!r}")
        size, options = self._page_size(page_size), self._options(config)

        async def pages() -> AsyncIterator[AsyncOperation]:
            token = ""
            while True:
                request = LIST_OPERATIONS.request(name=parent, page_size=size, page_token=token)
                page = await self._transport.unary(
                    LIST_OPERATIONS, request, options=options, metadata=options.metadata
                )
                for raw in page.operations:
                    yield self._wrap(raw, options)
                token = page.next_page_token
                if not token:
                    return

        return pages()

    async def cancel(self, name: str) -> None:
        """Not offered by the API for tuning and prediction operations: raises NotSupportedError.

        >>> await client.aio.operations.cancel("tunedModels/x/operations/y")
        Traceback (most recent call last):
        ...
        genai.errors.NotSupportedError: the Gemini API offers no CancelOperation for ...
        """
        raise NotSupportedError(_NO_CANCEL.format(name=check_operation_name(name)))
