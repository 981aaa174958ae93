"""The package's version: the one place it is written (setup.cfg reads it with ``attr:``).

>>> VERSION.count(".") >= 2
True
"""

VERSION = "0.1.0"
