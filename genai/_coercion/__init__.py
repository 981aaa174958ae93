"""User input to messages: the coercion ladder (pure), each function named for what it makes."""
