"""Live sessions' pure core: the config and setup, the senders' coercion, the views over what is
received, reconnect planning, the session's bookkeeping; and the thread/task runtime pair.

The session itself is written once in genai._aio.live (the sync face is generated from it).
"""
