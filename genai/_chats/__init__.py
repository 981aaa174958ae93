"""Chat bookkeeping: history and the one open turn (``history``, pure); how each face waits (``waiting``)."""
