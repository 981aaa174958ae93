"""`genai chat`: a conversation read from stdin, one message per line, each reply streamed back.

Replies go to stdout as they arrive; what the chat commands report goes to stdout too, and errors and
notes go to stderr as ``genai: ...`` lines. The prompt (``> ``), a greeting and line editing (the
`readline` module, when Python has it) appear only when stdin is a terminal, so a piped script gets
nothing on stdout but the replies and what its commands print.

Ctrl-C while a reply streams cancels that reply only: the call is cancelled, the history stays as it
was, and the chat goes on. At any other moment an interactive chat drops the line being typed (or
the command running) and waits for the next one; a piped chat stops with status 130, like the
other commands. End of input (Ctrl-D) and ``/quit`` end the chat with status 0, also when some
messages failed: each failure was reported on its own line as it happened.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import Any, TextIO

from genai._chats.records import ChatTurn
from genai._chats.saved import history_from_json, history_to_json
from genai._cli.show import content_line, counted, error_text
from genai._client import Client
from genai._requests.config import GenerateContentConfig
from genai._sync.chats import Chat
from genai.errors import BlockedError, GenAIError, UsageError

__all__ = ["HELP", "PROMPT", "ChatRepl"]

PROMPT = "> "

HELP = """\
Type a message and press Enter; the reply streams back. Commands:
  /history      every turn so far, one line per content (long texts are cut); turns marked ! had
                a blocked or empty reply: they are kept here but not sent with later messages
  /rewind       remove the last turn (your message and its reply)
  /save FILE    write the history as JSON: the turns sent as context (those not marked ! in
                /history), which is exactly what a chat loaded from the file goes on from
  /load FILE    replace this chat with one that starts from the history saved in FILE
  /help         this text
  /quit         end the chat (so does Ctrl-D)
A line starting with // is sent as a message without its first /. Ctrl-C while a reply streams
cancels that reply and leaves the history as it was."""

_INVALID_MARK = "!"


def _turns(chat: Chat[Any]) -> list[ChatTurn]:
    """Every finished turn of ``chat``, with whether it was valid.

    The public chat API hands out the contents but not the turns they form; the bookkeeping that
    decides validity is the one place that knows, so it is asked directly.
    """
    return chat._state.core.turns(curated=False)


class ChatRepl:
    """One chat read from ``stdin``: the loop, the commands, and what each one prints."""

    def __init__(
        self,
        client: Client,
        *,
        model: str,
        config: GenerateContentConfig[Any] | None,
        stdin: TextIO,
        stdout: TextIO,
        stderr: TextIO,
        interactive: bool,
    ) -> None:
        self._client = client
        self._model = model
        self._config = config
        self._in = stdin
        self._out = stdout
        self._err = stderr
        self._interactive = interactive
        self.chat: Chat[Any] = client.chats.create(model=model, config=config)
        self._commands: dict[str, Callable[[str], bool]] = {
            "/history": self._history,
            "/rewind": self._rewind,
            "/save": self._save,
            "/load": self._load,
            "/help": self._help,
            "/quit": self._quit,
            "/exit": self._quit,
        }

    # -- the loop -------------------------------------------------------------------------------

    def run(self) -> int:
        """Read and answer lines until end of input or ``/quit``; the exit status (always 0)."""
        if self._interactive:
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401  (imported for its effect: input() gets line editing)
            self._note(f"chatting with {self.chat.model}; /help lists the commands, Ctrl-D ends the chat")
        while True:
            try:
                line = self._read()
                if line is None:
                    if self._interactive:
                        self._out.write("\n")  # leave the terminal's cursor on a line of its own
                    return 0
                if not self._handle(line):
                    return 0
            except KeyboardInterrupt:
                if not self._interactive:
                    raise
                self._out.write("\n")
                self._note("interrupted (Ctrl-D or /quit ends the chat)")

    def _read(self) -> str | None:
        """The next line without its line break; None at end of input."""
        if self._interactive:
            try:
                return input(PROMPT)
            except EOFError:
                return None
        line = self._in.readline()
        return line.rstrip("\r\n") if line else None

    def _handle(self, line: str) -> bool:
        """Answer one line; False when the chat should end."""
        if not line.strip():
            return True
        if line.startswith("//"):
            self._send(line[1:])
            return True
        if line.startswith("/"):
            name, _, argument = line.partition(" ")
            command = self._commands.get(name)
            if command is None:
                self._error(f"unknown command {name!r} (/help lists the commands)")
                return True
            return command(argument.strip())
        self._send(line)
        return True

    # -- output ---------------------------------------------------------------------------------

    def _print(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()

    def _note(self, text: str) -> None:
        """A remark about the chat itself, on stderr so that stdout keeps only what was asked for."""
        self._out.flush()
        self._err.write(f"genai: {text}\n")
        self._err.flush()

    def _error(self, text: str) -> None:
        """A failure: one ``genai: ...`` line on stderr; the chat goes on."""
        self._note(text)

    # -- a message ------------------------------------------------------------------------------

    def _send(self, text: str) -> None:
        """Stream the reply to ``text``; a failure or Ctrl-C leaves the history as it was."""
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # undecodable input bytes, kept as lone surrogates
            self._error("that line is not valid UTF-8 text; it was not sent")
            return
        stream = None
        blocked: BlockedError | None = None
        printed = line_open = False  # any text yet; whether it leaves the cursor mid-line
        try:
            with self.chat.send_message_stream(text) as stream:
                for chunk in stream:
                    try:
                        piece = chunk.text
                    except BlockedError as error:  # read on: the turn is recorded once complete
                        blocked = error
                        continue
                    if piece:
                        printed = line_open = True  # first: a Ctrl-C during the write must end the line
                        self._out.write(piece)
                        self._out.flush()
                        line_open = not piece.endswith("\n")
        except KeyboardInterrupt:
            self._end_line(line_open)
            if stream is not None and stream.done:
                self._note("interrupted after the reply was complete; it is in the history")
            else:
                self._note("reply cancelled; the history is as it was before this message")
            return
        except GenAIError as error:
            self._end_line(line_open)
            self._error(error_text(error))
            return
        # Every reply ends with one line break, an empty one too (a blocked one prints nothing).
        self._end_line(line_open or (not printed and blocked is None))
        if blocked is not None:
            self._error(f"{error_text(blocked)} (kept in /history, not sent as context)")

    def _end_line(self, needed: bool) -> None:
        if needed:
            self._out.write("\n")
            self._out.flush()

    # -- the commands (each returns False to end the chat) --------------------------------------

    def _history(self, argument: str) -> bool:
        turns = _turns(self.chat)
        if not turns:
            self._print("(the history is empty)")
            return True
        lines: list[str] = []
        for number, turn in enumerate(turns, start=1):
            mark = " " if turn.valid else _INVALID_MARK
            lines.extend(f"{number:>3}{mark} {content_line(content)}" for content in turn.contents)
        usage = self.chat.usage
        count = sum(len(turn) for turn in turns)
        lines.append(
            f"({counted(len(turns), 'turn')}, {counted(count, 'content')}; tokens so far: "
            f"{usage.prompt_token_count} prompt + "
            f"{usage.candidates_token_count} reply)"
        )
        if not all(turn.valid for turn in turns):
            lines.append(f"({_INVALID_MARK}: the reply was blocked or empty; not sent with later messages)")
        self._print("\n".join(lines))
        return True

    def _rewind(self, argument: str) -> bool:
        try:
            turn = self.chat.rewind()
        except UsageError:
            self._print("nothing to rewind: the history is empty")
            return True
        removed = [f"  {content_line(content)}" for content in turn.contents]
        self._print("\n".join([f"removed the last turn ({counted(len(turn), 'content')}):", *removed]))
        return True

    def _save(self, argument: str) -> bool:
        if not argument:
            self._error("usage: /save FILE")
            return True
        history = self.chat.get_history(curated=True)
        try:
            with open(os.path.expanduser(argument), "w", encoding="utf-8") as file:
                file.write(history_to_json(history, indent=2) + "\n")
        except OSError as error:
            self._error(f"/save: {error_text(error)}")
            return True
        self._print(f"saved {counted(len(history), 'content')} to {argument}")
        return True

    def _load(self, argument: str) -> bool:
        if not argument:
            self._error("usage: /load FILE")
            return True
        try:
            with open(os.path.expanduser(argument), "rb") as file:
                history = history_from_json(file.read())
            chat = self._client.chats.create(model=self._model, config=self._config, history=history)
        except (OSError, ValueError, TypeError, GenAIError) as error:
            self._error(f"/load: {error_text(error)} (the chat is unchanged)")
            return True
        self.chat = chat
        turns = counted(len(_turns(chat)), "turn")
        self._print(f"loaded {counted(len(history), 'content')} ({turns}) from {argument}")
        return True

    def _help(self, argument: str) -> bool:
        self._print(HELP)
        return True

    def _quit(self, argument: str) -> bool:
        return False
