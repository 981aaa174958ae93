"""The emulator as a child process, so that its CPU is not charged to the client being measured."""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from types import TracebackType

_LISTENING = re.compile(r"listening on (?P<host>\[[^\]]+\]|[^\s:]+):(?P<port>\d+)")
_LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
_ANY = {"0.0.0.0", "[::]", "::", "*"}


class EmulatorError(RuntimeError):
    pass


def _loopback_endpoint(host: str, port: str) -> str:
    if host in _ANY:
        return f"127.0.0.1:{port}"
    if host in _LOOPBACK or host.startswith("127."):
        return f"{host}:{port}"
    raise EmulatorError(f"the emulator listens on {host}:{port}, which is not loopback; refusing to use it")


class EmulatorProcess:
    """``python -m genai.emulator --port 0`` in a child process; ``endpoint`` once it is listening.

    Always stopped on exit (terminate, then kill if it lingers), whatever happened inside the block.
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
        stdout = self._proc.stdout
        seen: list[str] = []
        deadline = time.monotonic() + self._start_timeout
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise EmulatorError(
                        f"the emulator did not report its port within {self._start_timeout:.0f} s"
                    )
                if not selector.select(timeout=left):
                    continue
                line = stdout.readline()
                if not line:  # EOF: it exited
                    code = self._proc.wait(timeout=5)
                    tail = "".join(seen[-20:])
                    raise EmulatorError(f"the emulator exited with code {code} before listening:\n{tail}")
                seen.append(line)
                match = _LISTENING.search(line)
                if match:
                    break
        # Keep reading its output so that a chatty emulator never blocks on a full pipe.
        self._drain = threading.Thread(target=_discard, args=(stdout,), name="emulator-drain", daemon=True)
        self._drain.start()
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


def _discard(stream: object) -> None:
    try:
        for _ in stream:  # type: ignore[attr-defined]
            pass
    except (OSError, ValueError):  # closed under us at shutdown
        pass
