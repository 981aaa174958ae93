"""Beginning a chat turn: wait for the turn in flight, or abandon the caller's own unread one.

    >>> core = ChatCore()
    >>> hi = pb.Content(role="user", parts=[pb.Part(text="Hi")])
    >>> turn = await begin_turn(core, [hi], lambda: None)
    >>> turn.open, core.request_contents(turn) == [hi]
    (True, True)

Every chat face (google-generativeai's ChatSession now, client.chats next) begins its sends here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from genai._chats.history import ChatCore, Turn
from genai._chats.waiting import AsyncTurnWaiter, abandoned_by
from genai._wire import messages as pb

__all__ = ["begin_turn"]


async def begin_turn(
    core: ChatCore, user: Sequence[pb.Content] | bytes, drop_own_reply: Callable[[], None]
) -> Turn:
    """The caller's new turn for ``user``, once no other turn is open.

    A turn open by another thread or task is waited for. One open by the caller itself (or by a thread
    or task that has ended since) can only be a streamed reply left unread: ``drop_own_reply()``
    cancels that stream, and the turn is abandoned.
    """
    owner = AsyncTurnWaiter.owner()
    while True:
        turn, blocker = core.try_begin(user, owner)
        if turn is not None:
            return turn
        assert blocker is not None
        if abandoned_by(blocker.owner):
            drop_own_reply()
            core.abandon(blocker)
        else:
            await AsyncTurnWaiter.wait(core, blocker)
