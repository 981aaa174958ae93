"""Chat bookkeeping: history and the one open turn; pure, no I/O."""
