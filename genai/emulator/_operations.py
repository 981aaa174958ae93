"""Long-running operations (google.longrunning.Operation) that complete on the store's clock.

    op = store.operations.start(parent="tunedModels/t1", after=30, complete=lambda: tuned_model)
    store.operations.get(op.name).done   # False until the clock has moved 30 s on

An operation is named `operations/<id>`, or `<resource>/operations/<id>` under a resource. Its
`complete` callable runs once, under the store's lock, when the store is first touched at or after
the due time (so a service may update its resources from it, and every read path sees both
changes at once): its message becomes the operation's `response`, an RpcFailure it raises becomes
the `error`. `metadata` is packed into the operation when it starts; a `progress` callable, given
the clock's time (ns), gives fresh metadata on every read while the operation is pending (a tuning
job's completed steps), and once more when it completes.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import TYPE_CHECKING

import grpc
from google.protobuf.message import Message

from ._clock import seconds_ns
from ._status import RpcFailure

if TYPE_CHECKING:
    from google.longrunning.operations_proto_pb2 import Operation  # the stubs' name for it

    from ._store import Page, ResourceCollection, Store
else:  # the same message in genai's private descriptor pool, which the services' stubs use
    from genai_protos._deps.google_longrunning_operations_proto_pb2 import Operation

Completion = Callable[[], Message]
Progress = Callable[[int], Message]

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000


def _set_error(operation: Operation, failure: RpcFailure) -> None:
    # The operation's google.rpc.Status lives in genai's private descriptor pool; the failure's
    # is built in the default one, so it crosses over as bytes.
    operation.error.ParseFromString(failure.status().SerializeToString())
    operation.done = True


class Operations:
    """The store's table of operations: start, get, list, cancel, delete (thread-safe via the store)."""

    def __init__(self, store: Store) -> None:
        from ._collections import OPERATIONS

        self._store = store
        self._table: ResourceCollection = store.register(OPERATIONS)
        self._due: list[tuple[int, int, str]] = []  # (due_ns, order, name): a min-heap
        self._work: dict[str, Completion] = {}
        self._progress: dict[str, Progress] = {}
        self._order = 0

    def start(
        self,
        complete: Completion,
        *,
        parent: str = "",
        after: float = 0.0,
        metadata: Message | None = None,
        progress: Progress | None = None,
    ) -> Operation:
        """A new operation, done once `after` seconds of clock time have passed (0: at once).

        `complete()` returns the response message, or raises RpcFailure for an error.
        `progress(now_ns)` (optional) gives the metadata as of `now_ns`, read on every get.
        """
        with self._store.locked() as now:
            operation = Operation()
            if progress is not None:
                metadata = progress(now)
            if metadata is not None:
                operation.metadata.Pack(metadata)
            created = self._table.create(operation, parent=parent)
            self._work[created.name] = complete
            if progress is not None:
                self._progress[created.name] = progress
            self._order += 1
            heapq.heappush(self._due, (now + max(seconds_ns(after), 0), self._order, created.name))
        return self.get(created.name)  # settles it at once when it is already due

    def get(self, name: str) -> Operation:
        """The operation as it stands now (NotFound when there is none)."""
        with self._store.locked() as now:
            found = self._table.get(name)
            assert isinstance(found, Operation)
            progress = self._progress.get(name)
            if progress is not None and not found.done:
                found.metadata.Pack(progress(now))
            return found

    def list(self, parent: str = "", page_size: int = 0, page_token: str = "", query: str = "") -> Page:
        """One page of the operations under `parent` ("" for top-level `operations/...`)."""
        with self._store.locked() as now:
            page = self._table.list(parent=parent, page_size=page_size, page_token=page_token, query=query)
            for operation in page.items:
                progress = self._progress.get(getattr(operation, "name", ""))
                if progress is not None and isinstance(operation, Operation) and not operation.done:
                    operation.metadata.Pack(progress(now))
            return page

    def cancel(self, name: str) -> Operation:
        """End a pending operation with CANCELLED (its completion never runs); a done one stays."""
        with self._store.locked():
            operation = self.get(name)
            if not operation.done:
                self._work.pop(name, None)
                self._progress.pop(name, None)
                _set_error(operation, RpcFailure(grpc.StatusCode.CANCELLED, "The operation was cancelled."))
                self._table.replace(operation)
            return operation

    def delete(self, name: str) -> None:
        """Forget an operation (a pending one never completes)."""
        with self._store.locked():
            self._table.delete(name)
            self._work.pop(name, None)
            self._progress.pop(name, None)

    def pending(self) -> int:
        """How many operations are not done yet."""
        with self._store.locked():
            return len(self._work)

    def _settle(self, now: int) -> None:
        """Complete every operation due by `now` (the store holds its lock)."""
        while self._due and self._due[0][0] <= now:
            _, _, name = heapq.heappop(self._due)
            complete = self._work.pop(name, None)
            progress = self._progress.pop(name, None)
            if complete is None:  # cancelled or deleted
                continue
            found = self._table._entry(name)
            if found is None:  # its resource was deleted with it
                continue
            operation = self.get(name)
            if progress is not None:
                operation.metadata.Pack(progress(now))
            try:
                result = complete()
            except RpcFailure as failure:
                _set_error(operation, failure)
            except Exception as exc:  # a service bug must not wedge the table: report it in the operation
                _set_error(operation, RpcFailure(grpc.StatusCode.INTERNAL, f"{type(exc).__name__}: {exc}"))
            else:
                operation.response.Pack(result)
                operation.done = True
            self._table.replace(operation)
