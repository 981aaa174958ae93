"""What a live session runs on: threads (``LiveRuntime``) or asyncio tasks (``AsyncLiveRuntime``).

    >>> runtime = LiveRuntime()
    >>> queue = runtime.queue(2)
    >>> queue.put("a", 0.1), queue.get(0.1)
    (True, 'a')

The session (genai._aio.live, and its generated sync face) is written once; what must differ
between threads and tasks is here, written by hand twice with the same names and methods (the
sync face calls ``LiveRuntime`` where the asyncio source calls ``AsyncLiveRuntime``):

* ``queue(maxsize)``: ``put(item, timeout)`` waits while the queue is full and says whether the item
  went in (0: unbounded); ``get(timeout)`` gives the next item or None after ``timeout`` seconds,
  ``get_nowait()`` the next item or None; ``follow(worker)`` names the worker that fills it
  (asyncio: a waiting getter then wakes in the same loop turn as that task; threads: nothing);
* ``signal()``: ``set``/``clear``/``is_set`` and ``wait(timeout) -> bool``;
* ``lock()``: held with ``with`` (threads) or ``async with`` (tasks); ``try_lock(lock)`` takes it
  only if it is free;
* ``idle``: how long an idle worker waits before looking whether the session is closing (None for
  tasks: they are cancelled);
* ``start(fn, name)``: run ``fn`` in the background (a daemon thread, a task); ``stop(workers)``
  ends them (tasks are cancelled; threads are joined: they end by themselves once the session is
  closing) ; ``call_later(seconds, fn)`` a cancellable timer;
* ``ToolCalls`` / ``AsyncToolCalls``: run a function call so that a tool-call cancellation can stop
  it (a task is cancelled; a thread cannot be, so its result is dropped instead).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue as queues
import threading
import types
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, Generic, TypeVar

from genai._functions.invoke import AsyncFunctionInvoker, FunctionInvoker
from genai._functions.table import FunctionJob
from genai._wire import messages as pb

__all__ = ["AsyncLiveRuntime", "AsyncToolCalls", "LiveRuntime", "ToolCalls"]

T = TypeVar("T")

# How long a thread that must also notice the session closing waits at a time.
JOIN_TIMEOUT = 10.0


# ------------------------------------------------------------------------------------------------
# Threads


class _Queue(Generic[T]):
    def __init__(self, maxsize: int) -> None:
        self._queue: queues.Queue[T] = queues.Queue(maxsize)

    def put(self, item: T, timeout: float | None = None) -> bool:
        try:
            self._queue.put(item, timeout=timeout)
        except queues.Full:
            return False
        return True

    def put_nowait(self, item: T) -> None:
        self._queue.put_nowait(item)

    def get_nowait(self) -> T | None:
        try:
            return self._queue.get_nowait()
        except queues.Empty:
            return None

    def get(self, timeout: float | None = None) -> T | None:
        try:
            return self._queue.get(timeout=timeout)
        except queues.Empty:
            return None

    def qsize(self) -> int:
        return self._queue.qsize()

    def follow(self, worker: threading.Thread) -> None:
        """Nothing to do for threads (see ``_AsyncInbox.follow``)."""


class _Signal:
    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)


class _Timer:
    def __init__(self, seconds: float, fn: Callable[[], None]) -> None:
        self.fired = False

        def fire() -> None:
            self.fired = True
            fn()

        self._timer = threading.Timer(max(0.0, seconds), fire)
        self._timer.daemon = True
        self._timer.name = "genai-live-timer"
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()
        if self._timer is not threading.current_thread():
            self._timer.join(JOIN_TIMEOUT)


class LiveRuntime:
    """A live session run by threads: a reader and a writer thread, a thread per tool-call batch."""

    def __init__(self) -> None:
        self.adopted: list[threading.Thread] = []  # (asyncio only: see AsyncLiveRuntime.finish_apart)

    # How long an idle worker waits before it looks whether the session is closing (a thread
    # cannot be interrupted while it waits).
    idle: float | None = 0.05

    def queue(self, maxsize: int) -> _Queue[Any]:
        return _Queue(maxsize)

    def signal(self) -> _Signal:
        return _Signal()

    def lock(self) -> threading.Lock:
        return threading.Lock()

    def try_lock(self, lock: threading.Lock) -> bool:
        """Take ``lock`` if it is free, without waiting."""
        return lock.acquire(blocking=False)

    def start(self, fn: Callable[[], None], name: str) -> threading.Thread:
        thread = threading.Thread(target=fn, name=f"genai-live-{name}", daemon=True)
        thread.start()
        return thread

    def stop(self, workers: list[threading.Thread]) -> None:
        me = threading.current_thread()
        for worker in workers:
            if worker is not me:
                worker.join(JOIN_TIMEOUT)

    def call_later(self, seconds: float, fn: Callable[[], None]) -> _Timer:
        return _Timer(seconds, fn)

    def finish_apart(self, result: T, then: Callable[..., Any], *args: Any) -> T:
        """The call has run (a thread is not cancelled in the middle of it): its result."""
        return result


class ToolCalls:
    """Function calls of a live session run by threads; a cancelled call's result is dropped."""

    def __init__(self) -> None:
        self._running: set[str] = set()
        self._cancelled: set[str] = set()
        self._guard = threading.Lock()

    def run(self, job: FunctionJob) -> pb.FunctionResponse | None:
        """The response for ``job``, or None when its call was cancelled meanwhile."""
        key = job.call.id
        with self._guard:
            self._running.add(key)
        try:
            part = FunctionInvoker.call(job)
        finally:
            with self._guard:
                self._running.discard(key)
                cancelled = key in self._cancelled
                self._cancelled.discard(key)
        return None if cancelled else part.function_response

    def cancel(self, ids: list[str]) -> None:
        """Drop the results of these calls (a thread cannot be stopped; the function runs on)."""
        with self._guard:
            self._cancelled.update(key for key in ids if key in self._running)

    def cancel_all(self) -> None:
        """Drop the results of every running call."""
        with self._guard:
            self._cancelled.update(self._running)


# ------------------------------------------------------------------------------------------------
# asyncio tasks


class _AsyncQueue(Generic[T]):
    def __init__(self, maxsize: int) -> None:
        self._queue: asyncio.Queue[T] = asyncio.Queue(maxsize)
        self.qsize = self._queue.qsize  # type: ignore[method-assign]  # one call less: read per send

    async def put(self, item: T, timeout: float | None = None) -> bool:
        try:  # the common case, without a timer
            self._queue.put_nowait(item)
            return True
        except asyncio.QueueFull:
            pass
        try:
            await asyncio.wait_for(self._queue.put(item), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def put_nowait(self, item: T) -> None:
        self._queue.put_nowait(item)

    def get_nowait(self) -> T | None:
        try:
            return self._queue.get_nowait()
        except asyncio.QueueEmpty:
            return None

    async def get(self, timeout: float | None = None) -> T | None:
        try:  # the common case, without a timer
            return self._queue.get_nowait()
        except asyncio.QueueEmpty:
            pass
        if timeout is None:
            return await self._queue.get()
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except asyncio.TimeoutError:
            return None

    def qsize(self) -> int:
        return self._queue.qsize()

    def follow(self, worker: asyncio.Task[None]) -> None:
        """Nothing to do for a bounded queue (see ``_AsyncInbox.follow``)."""


class _AsyncInbox(Generic[T]):
    """An unbounded queue for one session's received messages: a deque and the waiting getters.

    What ``asyncio.Queue`` does for an unbounded queue, without its putters, task counting and
    ``QueueEmpty`` round trips: a message is handed over once per received message, so this is on
    the hot path of every audio chunk a session receives.

    ``follow(task)`` names the task that fills the inbox (the session's reader). A getter then waits
    on the future that task waits on (``_Alongside``), and so runs right after the reader in the
    same turn of the event loop, instead of one turn later when the reader's put would wake it.
    """

    def __init__(self) -> None:
        self._items: deque[T] = deque()
        self._getters: deque[Any] = deque()  # asyncio futures and _Alongside waits
        self._producer: Any = None

    def follow(self, worker: asyncio.Task[None]) -> None:
        self._producer = worker

    async def put(self, item: T, timeout: float | None = None) -> bool:
        self.put_nowait(item)
        return True

    def put_nowait(self, item: T) -> None:
        self._items.append(item)
        if self._getters:
            self._wake_next()

    def get_nowait(self) -> T | None:
        return self._items.popleft() if self._items else None

    async def get(self, timeout: float | None = None) -> T | None:
        items = self._items
        while not items:
            getter = self._waiter() if timeout is None else asyncio.get_running_loop().create_future()
            self._getters.append(getter)
            try:
                if timeout is None:
                    await getter
                else:
                    await asyncio.wait_for(getter, timeout)
            except asyncio.TimeoutError:
                self._discard(getter)
                return None
            except BaseException:
                self._discard(getter)
                if items and not getter.cancelled():
                    self._wake_next()  # it was woken for an item it will not take: pass it on
                raise
            if not items:  # an _Alongside wait can end without an item (else a put took it off)
                self._discard(getter)
        return items.popleft()

    def _waiter(self) -> Any:
        loop = asyncio.get_running_loop()
        producer = self._producer
        if producer is not None:
            # What the reader task awaits now (a private attribute of asyncio's Task; without it,
            # or when the reader is not waiting, the getter waits on a future of its own).
            waiting = getattr(producer, "_fut_waiter", None)
            if isinstance(waiting, asyncio.Future) and not waiting.done() and waiting.get_loop() is loop:
                return _Alongside(loop, waiting)
        return loop.create_future()

    def _discard(self, getter: Any) -> None:
        with contextlib.suppress(ValueError):
            self._getters.remove(getter)

    def _wake_next(self) -> None:
        while self._getters:
            getter = self._getters.popleft()
            if not getter.done():
                getter.set_result(None)
                return

    def qsize(self) -> int:
        return len(self._items)


class _Alongside:
    """What a getter awaits to wake when another task's future completes, just after that task.

    asyncio runs a future's callbacks in the order they were added: the reader task added its own
    when it began to wait, so when this one wakes the getter, the reader has already put the
    message in the inbox. Cancelling the getter never touches the reader's future: ``cancel`` only
    takes this wait's callback off it (a cancelled receive loses nothing and leaves the connection
    alone). ``set_result`` wakes it early (an item put by another task). A task needs no more of
    what it awaits than this protocol: ``_asyncio_future_blocking``, ``get_loop``,
    ``add_done_callback``, ``cancel`` and ``result``.
    """

    __slots__ = ("_asyncio_future_blocking", "_cancelled", "_future", "_loop", "_wake", "_woken")

    def __init__(self, loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any]) -> None:
        self._loop = loop
        self._future = future
        self._wake: Callable[[Any], object] | None = None
        self._woken = False
        self._cancelled = False
        self._asyncio_future_blocking = False  # set by __await__ when it yields

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def add_done_callback(self, fn: Callable[[Any], object], *, context: Any = None) -> None:
        self._wake = fn
        self._future.add_done_callback(self._relay)

    def remove_done_callback(self, fn: Callable[[Any], object]) -> int:
        self._wake = None
        return self._future.remove_done_callback(self._relay)

    def _relay(self, _: object = None) -> None:
        if self._woken:
            return
        self._woken = True
        wake = self._wake
        if wake is not None:
            wake(self)

    def done(self) -> bool:
        return self._woken or self._cancelled

    def cancelled(self) -> bool:
        return self._cancelled

    def set_result(self, _: None) -> None:
        if self._woken or self._future.done():  # its wake is queued already
            return
        self._future.remove_done_callback(self._relay)
        self._loop.call_soon(self._relay)

    def cancel(self, msg: Any = None) -> bool:
        if self._woken or self._cancelled:
            return False
        self._cancelled = True
        if not self._future.done():  # else its wake is queued already
            self._future.remove_done_callback(self._relay)
            self._loop.call_soon(self._relay)
        return True

    def result(self) -> None:
        if self._cancelled:
            raise asyncio.CancelledError
        return None

    def exception(self) -> BaseException | None:
        return asyncio.CancelledError() if self._cancelled else None

    def __await__(self) -> Generator[Any, None, None]:
        if not self.done():
            self._asyncio_future_blocking = True
            yield self
        return self.result()


@types.coroutine
def _carry(
    runtime: AsyncLiveRuntime,
    call: Coroutine[Any, Any, T],
    then: Callable[..., Coroutine[Any, Any, None]],
    args: tuple[Any, ...],
) -> Generator[Any, None, T]:
    """Drives ``call`` from the awaiting task, waiting on its futures through ``_Guard`` so that
    cancelling the task never cancels them (``AsyncLiveRuntime.finish_apart``)."""
    send = call.send
    while True:
        try:
            waiting = send(None)
        except StopIteration as stop:
            result: T = stop.value
            return result
        try:
            if isinstance(waiting, asyncio.Future):
                yield _Guard(waiting)
            else:  # a bare yield (sleep(0)) or something else: passed on as it is
                yield waiting
        except asyncio.CancelledError:
            runtime.adopted = [task for task in runtime.adopted if not task.done()]
            work = then(_Rest(call, waiting), *args)
            runtime.adopted.append(asyncio.get_running_loop().create_task(work))
            raise


class _Guard:
    """What a task awaits in place of a future it must not cancel (``_carry``).

    The task's wakeup is put on the future itself, so a write that completes wakes the task as the
    future would (asyncio's own code, nothing of ours runs); only ``cancel`` differs: it takes the
    wakeup off the future, leaves the future alone and wakes the task with ``CancelledError``.
    """

    __slots__ = ("_asyncio_future_blocking", "_cancelled", "_future", "_wake", "get_loop")

    def __init__(self, future: asyncio.Future[Any]) -> None:
        self._future = future
        self._wake: Callable[[Any], object] | None = None
        self._cancelled = False
        self._asyncio_future_blocking = True  # yielded to the task as a future's __await__ does
        self.get_loop = future.get_loop  # (the task asks for the loop: the future's own method)

    def add_done_callback(self, fn: Callable[[Any], object], *, context: Any = None) -> None:
        self._wake = fn
        self._future.add_done_callback(fn, context=context)

    def remove_done_callback(self, fn: Callable[[Any], object]) -> int:
        return self._future.remove_done_callback(fn)

    def done(self) -> bool:
        return self._cancelled or self._future.done()

    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self, msg: Any = None) -> bool:
        wake = self._wake
        if self._cancelled or self._future.done() or wake is None:
            return False  # its wakeup is queued: the task takes the cancellation at its next step
        self._future.remove_done_callback(wake)
        self._cancelled = True
        self._future.get_loop().call_soon(wake, self)
        return True

    def result(self) -> None:
        if self._cancelled:
            raise asyncio.CancelledError
        return None

    def exception(self) -> BaseException | None:
        return asyncio.CancelledError() if self._cancelled else None


class _Rest(Generic[T]):
    """What is left of a coroutine that ``_carry`` drove: wait for the future it waits on, then go on."""

    def __init__(self, call: Coroutine[Any, Any, T], waiting: Any) -> None:
        self._call = call
        self._waiting = waiting

    def __await__(self) -> Generator[Any, None, T]:
        waiting = self._waiting
        while True:
            if isinstance(waiting, asyncio.Future) and not waiting.done():
                waiting._asyncio_future_blocking = True
                yield waiting
            try:
                waiting = self._call.send(None)
            except StopIteration as stop:
                result: T = stop.value
                return result


class _AsyncSignal:
    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.is_set = self._event.is_set  # type: ignore[method-assign]  # one call less: read per message

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    def is_set(self) -> bool:
        return self._event.is_set()

    async def wait(self, timeout: float | None = None) -> bool:
        if self._event.is_set():
            return True
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True


class _AsyncTimer:
    def __init__(self, seconds: float, fn: Callable[[], None]) -> None:
        self.fired = False

        def fire() -> None:
            self.fired = True
            fn()

        self._handle = asyncio.get_running_loop().call_later(max(0.0, seconds), fire)

    def cancel(self) -> None:
        self._handle.cancel()


class AsyncLiveRuntime:
    """A live session run by asyncio tasks on the running loop: reader, writer, a task per tool-call batch."""

    # An idle task just waits: closing the session cancels it.
    idle: float | None = None

    def __init__(self) -> None:
        self.adopted: list[asyncio.Task[None]] = []  # calls that finish_apart carried on

    def queue(self, maxsize: int) -> _AsyncQueue[Any] | _AsyncInbox[Any]:
        return _AsyncInbox() if maxsize == 0 else _AsyncQueue(maxsize)

    def signal(self) -> _AsyncSignal:
        return _AsyncSignal()

    def lock(self) -> asyncio.Lock:
        return asyncio.Lock()

    async def try_lock(self, lock: asyncio.Lock) -> bool:
        """Take ``lock`` if it is free, without waiting (a free lock is taken without suspending)."""
        if lock.locked():
            return False
        await lock.acquire()
        return True

    def start(self, fn: Callable[[], Coroutine[Any, Any, None]], name: str) -> asyncio.Task[None]:
        # The coroutine itself is the task (no wrapper): one frame less to resume on every await.
        return asyncio.get_running_loop().create_task(fn(), name=f"genai-live-{name}")

    async def stop(self, workers: list[asyncio.Task[None]]) -> None:
        me = asyncio.current_task()
        others = [worker for worker in workers if worker is not me]
        for worker in others:
            worker.cancel()
        for worker in others:
            with contextlib.suppress(BaseException):
                await worker
        if _cancelling():  # the closing task itself was cancelled meanwhile
            raise asyncio.CancelledError

    def call_later(self, seconds: float, fn: Callable[[], None]) -> _AsyncTimer:
        return _AsyncTimer(seconds, fn)

    def finish_apart(
        self, call: Coroutine[Any, Any, T], then: Callable[..., Coroutine[Any, Any, None]], *args: Any
    ) -> Awaitable[T]:
        """Await ``call`` in this task; if the task is cancelled meanwhile, the call is not.

        grpc.aio cancels the whole RPC when a task is cancelled inside a stream's ``write`` (or
        ``read``). Here the cancellation reaches this task at once (``CancelledError``), while what
        is left of the call runs on in a task of its own: ``then(rest, *args)`` (called at once,
        in this task) gives the coroutine that awaits ``rest`` and deals with its outcome. That task
        is kept in ``adopted`` (the session stops it when it closes).
        """
        return _carry(self, call, then, args)


class AsyncToolCalls:
    """Function calls of a live session run by tasks; a cancellation cancels the call's task."""

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[pb.Part]] = {}
        self._cancelled: set[str] = set()

    async def run(self, job: FunctionJob) -> pb.FunctionResponse | None:
        """The response for ``job``, or None when its call was cancelled meanwhile."""
        key = job.call.id
        task = asyncio.get_running_loop().create_task(AsyncFunctionInvoker.call(job))
        self._running[key] = task
        try:
            part = await task
        except asyncio.CancelledError:
            if key in self._cancelled and not _cancelling():
                return None
            task.cancel()
            raise
        finally:
            self._running.pop(key, None)
            cancelled = key in self._cancelled
            self._cancelled.discard(key)
        return None if cancelled else part.function_response

    def cancel(self, ids: list[str]) -> None:
        """Cancel these calls' tasks; no response is sent for them."""
        for key in ids:
            task = self._running.get(key)
            if task is not None:
                self._cancelled.add(key)
                task.cancel()

    def cancel_all(self) -> None:
        """Cancel every running call."""
        self.cancel(list(self._running))


def _cancelling() -> bool:
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)  # Python 3.11+
    return cancelling is not None and cancelling() > 0
