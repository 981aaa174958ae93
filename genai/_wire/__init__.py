"""The wire: message classes (an alias of the generated flat module), the RPC table, pre-encoded requests."""
