"""Automatic function calling, the pieces the loop calls: which callable answers which call
(``table``), the model's arguments as Python values (``arguments``), results as FunctionResponses
(``results``), and calling a function from each face (``invoke``, the one hand-written pair)."""
