"""What every front end of one server serves from: one Backend per EmulatorServer.

The gRPC front end now, and the HTTP (uploads, downloads) and WebSocket (live) front ends later,
all take the same Backend, so a file uploaded over HTTP is the one a gRPC GetFile returns, and the
knobs, keys and fault attempts are shared:

    options   EmulatorOptions (keys, knob defaults)
    state     call records, stream counters, fault attempt counts (what tests watch)
    store     the resource store on the server's clock, with the model catalog in `models` and
              the cached contents in `caches`,
              the tuned models in `tuned_models`, the files (metadata, bytes, upload
              sessions) in `files`
    prelude   the per-call prelude (`_prelude`)
    resumptions  the live sessions' resumption handles (`_live_resume`)
    running   the stop signal of the current run (fresh at each start)
    offload   runs long work on the server's worker threads
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from . import _catalog
from ._clock import Clock
from ._collections import CACHED_CONTENTS, FILES, MODELS, TUNED_MODELS
from ._files import Files
from ._lifecycle import Running
from ._live_resume import Resumptions
from ._predict import Videos
from ._prelude import Prelude
from ._state import EmulatorOptions, ServerState
from ._store import ResourceCollection, Store
from ._work import Workers

T = TypeVar("T")


class Backend:
    """Shared state and services of one server: `Backend(EmulatorOptions()).store.models.get(...)`."""

    def __init__(self, options: EmulatorOptions, clock: Clock | None = None) -> None:
        self.options = options
        self.state = ServerState(options.max_recorded_calls)
        self.store = Store(clock)
        self.models: ResourceCollection = self.store.register(MODELS)
        for entry in _catalog.entries():
            self.models.insert(entry.model)
        self.caches: ResourceCollection = self.store.register(CACHED_CONTENTS)
        self.tuned_models: ResourceCollection = self.store.register(TUNED_MODELS)
        self.videos = Videos()  # generated videos, served by the HTTP front end
        self.http_endpoint: str | None = None  # "host:port" of the HTTP front end while it serves
        self.files = Files(
            self.store,
            self.store.register(FILES),
            granularity=options.upload_granularity,
            processing_seconds=options.file_processing_seconds,
        )
        self.prelude = Prelude(self)
        self.resumptions = Resumptions(clock)
        self.running = Running()
        self._workers = Workers()

    def begin_run(self) -> Running:
        """A fresh stop signal for a (re)started server."""
        self.running = Running()
        return self.running

    async def offload(self, work: Callable[[], T]) -> T:
        """`work()` on a worker thread; UNAVAILABLE (RpcFailure) if the server stops first."""
        result: T = await self.running.until(self._workers.submit(work))
        return result

    def end_run(self) -> None:
        """Drop the worker threads (queued work is dropped, running work finishes on its own)."""
        self._workers.close()
