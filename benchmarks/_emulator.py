"""The emulator as a child process, so that its CPU is not charged to the client being measured."""

from __future__ import annotations

import ctypes
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import IO

_LISTENING = re.compile(r"listening on (?P<host>\[[^\]]+\]|[^\s:]+):(?P<port>\d+)")
_LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
_ANY = {"0.0.0.0", "[::]", "::", "*"}


class EmulatorError(RuntimeError):
    pass


def _parent_death_signal() -> Callable[[], None] | None:
    """On Linux, a ``preexec_fn`` that has the child terminated if this process dies abruptly.

    Resolved here, in the parent: the child, between fork and exec, only makes the one call.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def arm() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return arm


def _loopback_endpoint(host: str, port: str) -> str:
    if host in _ANY:
        return f"127.0.0.1:{port}"
    if host in _LOOPBACK or host.startswith("127."):
        return f"{host}:{port}"
    raise EmulatorError(f"the emulator listens on {host}:{port}, which is not loopback; refusing to use it")


class EmulatorProcess:
    """``python -m genai.emulator --port 0`` in a child process; ``endpoint`` once it is listening.

    Always stopped on exit (terminate, then kill if it lingers), whatever happened inside the block;
    on Linux it is also told to exit should this process be killed outright.
    """

    def __init__(self, argv: Sequence[str] | None = None, *, start_timeout: float = 30.0) -> None:
        self._argv = (
            list(argv)
            if argv is not None
            else [sys.executable, "-m", "genai.emulator", "--host", "127.0.0.1", "--port", "0"]
        )
        self._start_timeout = start_timeout
        self._proc: subprocess.Popen[str] | None = None
        self._drain: threading.Thread | None = None
        self.endpoint = ""

    def __enter__(self) -> EmulatorProcess:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self._proc = subprocess.Popen(
            self._argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            preexec_fn=_parent_death_signal(),  # started before any gRPC thread exists
        )
        try:
            self.endpoint = self._wait_for_endpoint()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_for_endpoint(self) -> str:
        assert self._proc is not None
        assert self._proc.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        # One reader for the child's whole life: it hands over lines until the port is known, then
        # keeps draining so that a chatty emulator never blocks on a full pipe.
        self._drain = threading.Thread(
            target=_read_lines, args=(self._proc.stdout, lines), name="emulator-output", daemon=True
        )
        self._drain.start()
        seen: list[str] = []
        deadline = time.monotonic() + self._start_timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = lines.get(timeout=max(left, 0.0))
            except queue.Empty:
                raise EmulatorError(
                    f"the emulator did not report its port within {self._start_timeout:.0f} s"
                ) from None
            if line is None:  # EOF: it exited
                code = self._proc.wait(timeout=5)
                tail = "".join(seen[-20:])
                raise EmulatorError(f"the emulator exited with code {code} before listening:\n{tail}")
            seen.append(line)
            match = _LISTENING.search(line)
            if match:
                return _loopback_endpoint(match["host"], match["port"])

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._drain is not None:
            self._drain.join(timeout=2)
        if proc.stdout is not None:
            proc.stdout.close()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _read_lines(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Forward the child's output lines until the port line, then discard the rest; None at EOF."""
    forwarding = True
    try:
        for line in stream:
            if forwarding:
                lines.put(line)
                forwarding = _LISTENING.search(line) is None
    except (OSError, ValueError):  # the pipe was closed under us at shutdown
        pass
    if forwarding:
        lines.put(None)
