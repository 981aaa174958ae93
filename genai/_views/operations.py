"""Long-running operations, I/O-free: what a google.longrunning.Operation says, typed.

    >>> from genai._wire import rpcs
    >>> raw = rpcs.Operations.GetOperation.response(name="tunedModels/t/operations/o", done=True)
    >>> raw.response.Pack(pb.TunedModel(name="tunedModels/t", base_model="models/gemini-2.5-flash"))
    >>> OperationCore(raw).result().base_model
    'models/gemini-2.5-flash'

The types of `metadata` and of the result come from the operation's name
(`tunedModels/*/operations/*`: CreateTunedModelMetadata and TunedModel; `models/*/operations/*`:
PredictLongRunningMetadata and PredictLongRunningResponse); an `Any` of another type is looked up
among the API's messages, and one genai does not know is returned as the `Any` itself. A failed
operation's `error` is the same APIError class a failed call raises, with its details. The
polling plan (`PollPlan`: backoff with jitter, which polling errors are transient) is here too;
the sync and asyncio faces (genai._aio.operations) only call and sleep.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from genai_protos import _pool
from google.protobuf import message_factory
from google.protobuf.message import DecodeError, Message

from genai._coercion.errors import describe
from genai._transport.options import RetryOptions
from genai._views.predictions import GeneratedVideos
from genai._wire import messages as pb
from genai.errors import APIError, OperationNotDoneError, from_status

__all__ = ["OperationCore", "PollPlan", "check_operation_name", "operation_types"]

_KINDS: tuple[tuple[re.Pattern[str], type[Message], type[Message]], ...] = (
    (re.compile(r"tunedModels/[^/]+/operations/[^/]+"), pb.CreateTunedModelMetadata, pb.TunedModel),
    (
        re.compile(r"models/[^/]+/operations/[^/]+"),
        pb.PredictLongRunningMetadata,
        pb.PredictLongRunningResponse,
    ),
)

_TYPE_PREFIX = "type.googleapis.com/"


def operation_types(name: str) -> tuple[type[Message] | None, type[Message] | None]:
    """(metadata class, result class) for an operation's name; (None, None) for another kind.

    >>> [cls.__name__ for cls in operation_types("tunedModels/t/operations/o")]
    ['CreateTunedModelMetadata', 'TunedModel']
    """
    for pattern, metadata, result in _KINDS:
        if pattern.fullmatch(name):
            return metadata, result
    return None, None


def check_operation_name(name: object, path: str = "name") -> str:
    """An operation's full name as given, checked: a str like "tunedModels/x/operations/y".

    >>> check_operation_name("tunedModels/t/operations/o")
    'tunedModels/t/operations/o'

    An operation object (ours, or any with a str ``name``, as google-genai's
    ``client.operations.get(operation)`` passes) stands for its name.
    """
    if not isinstance(name, str):
        name = getattr(name, "name", name)
    if not isinstance(name, str):
        raise TypeError(
            f"{path}: expected an operation name str such as 'tunedModels/x/operations/y'; "
            f"got {describe(name)}"
        )
    parts = name.split("/")
    valid = (len(parts) == 2 and parts[0] == "operations") or (
        len(parts) >= 4 and parts[-2] == "operations" and all(parts) and not any(c.isspace() for c in name)
    )
    if not valid:
        raise ValueError(
            f"{path}: expected an operation name such as 'tunedModels/x/operations/y'; got {name!r}"
        )
    return name


def _unpack(packed: Any, expected: type[Message] | None) -> Any:
    """The message in an `Any`: of `expected` when the type matches, else of the API's type by that
    name, else the `Any` itself (a type genai does not know); None when it is empty."""
    if not packed.type_url:
        return None
    type_name = packed.type_url.rpartition("/")[2]
    cls: type[Message] | None = None
    if expected is not None and expected.DESCRIPTOR.full_name == type_name:
        cls = expected
    else:
        try:
            cls = message_factory.GetMessageClass(_pool.POOL.FindMessageTypeByName(type_name))
        except KeyError:
            cls = None
    if cls is None:
        return packed
    try:
        return cls.FromString(packed.value)
    except DecodeError:
        return packed


class OperationCore:
    """A snapshot of one operation: name, done, typed metadata, its result or its error (no I/O)."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    @property
    def raw(self) -> Any:
        """The google.longrunning.Operation message as last fetched."""
        return self._raw

    @property
    def name(self) -> str:
        """The operation's name: store it, and resume with ``client.operations.get(name)``."""
        return str(self._raw.name)

    @property
    def done(self) -> bool:
        """Whether the operation has finished (with a result or an error)."""
        return bool(self._raw.done)

    @property
    def metadata(self) -> Any:
        """The progress the service reports (CreateTunedModelMetadata for tuning: completed_steps,
        total_steps, completed_percent, snapshots); an ``Any`` of a type genai does not know; None."""
        return _unpack(self._raw.metadata, operation_types(self.name)[0])

    @property
    def error(self) -> APIError | None:
        """The operation's failure as the APIError a failed call would raise (None unless it failed)."""
        if not self._raw.done or self._raw.WhichOneof("result") != "error":
            return None
        return from_status(self._raw.error, operation_name=self.name)

    def result(self) -> Any:
        """The outcome of a finished operation: its response (a TunedModel for tuning).

        Raises the operation's error (an APIError subclass, ``operation_name`` set) if it failed,
        and OperationNotDoneError if it has not finished yet (``wait()`` for it).
        """
        if not self._raw.done:
            raise OperationNotDoneError(
                f"operation {self.name} has not finished yet: wait() for it, or check .done first"
            )
        error = self.error
        if error is not None:
            raise error
        return _unpack(self._raw.response, operation_types(self.name)[1])

    @property
    def response(self) -> Any:
        """google-genai's ``operation.response``: None until the operation is done, or when it
        failed (``result()`` raises its error); a video job's GeneratedVideos (with
        ``generated_videos``); any other job's ``result()``."""
        if not self._raw.done or self._raw.WhichOneof("result") == "error":
            return None
        result = self.result()
        return GeneratedVideos(result) if isinstance(result, pb.PredictLongRunningResponse) else result

    def videos(self) -> GeneratedVideos:
        """A finished video job's result, typed: the generated videos, ``filtered_count`` and
        ``filtered_reasons`` (``result()`` wrapped in GeneratedVideos; raises as ``result()`` does).

        Reading its samples raises VideosFilteredError when filtering withheld every video.

        >>> from genai._wire import rpcs
        >>> raw = rpcs.Operations.GetOperation.response(name="models/veo/operations/o", done=True)
        >>> result = pb.PredictLongRunningResponse()
        >>> result.generate_video_response.rai_media_filtered_count = 1
        >>> raw.response.Pack(result)
        >>> videos = OperationCore(raw).videos()
        >>> videos.filtered_count, videos.filtered_reasons
        (1, [])
        >>> videos[0]
        Traceback (most recent call last):
        ...
        genai.errors.VideosFilteredError: every generated video was withheld by safety filtering ...
        """
        result = self.result()
        if not isinstance(result, pb.PredictLongRunningResponse):
            raise TypeError(
                f"videos(): operation {self.name} is not a video job (its result is "
                f"{type(result).__name__}); videos come from client.models.predict_long_running"
            )
        return GeneratedVideos(result)

    def _update(self, raw: Any) -> None:
        self._raw = raw

    def __repr__(self) -> str:
        state = "running"
        if self._raw.done:
            state = "failed" if self._raw.WhichOneof("result") == "error" else "done"
        return f"{type(self).__name__}(name={self.name!r}, {state})"


# Polling errors that mean "ask again later", never "the operation failed".
TRANSIENT_CODES = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.RESOURCE_EXHAUSTED}
)


@dataclass(frozen=True)
class PollPlan:
    """How a wait polls: exponential backoff with jitter between polls, capped; transient polling
    errors are waited out (without a timeout, at most `max_failures` in a row), others raised.

    >>> plan = PollPlan(initial=1.0, multiplier=2.0, maximum=3.0, jitter=0.0)
    >>> [plan.delay(n) for n in range(4)]
    [1.0, 2.0, 3.0, 3.0]
    """

    initial: float = 0.5
    multiplier: float = 1.5
    maximum: float = 10.0
    jitter: float = 0.2
    max_failures: int = 10
    rand: Callable[[], float] = random.random

    @classmethod
    def from_retry(cls, retry: RetryOptions | None) -> PollPlan:
        """Polls that back off as the client's retry policy does (initial at least 10 ms).

        >>> PollPlan.from_retry(RetryOptions(initial=0.1, maximum=2.0)).maximum
        2.0
        """
        if retry is None:
            return cls()
        return cls(
            initial=max(retry.initial, 0.01),
            multiplier=retry.multiplier,
            maximum=max(retry.maximum, 0.01),
            jitter=retry.jitter,
        )

    def delay(self, polls: int) -> float:
        """Seconds before the next poll, after `polls` polls (the first wait follows poll 0)."""
        try:
            base = min(self.maximum, self.initial * self.multiplier**polls)
        except OverflowError:
            base = self.maximum
        return base * (1.0 - self.jitter + 2.0 * self.jitter * self.rand())

    def transient(self, error: APIError) -> bool:
        """Whether a failed poll is waited out rather than raised."""
        return error.retryable and error.code in TRANSIENT_CODES

    def after_failure(self, error: APIError, polls: int) -> float:
        """Seconds before the next poll after a transient failure: the server's RetryInfo if any."""
        delay = self.delay(polls)
        if error.retry_delay is not None:
            delay = max(delay, error.retry_delay)
        return delay
