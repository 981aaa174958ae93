"""The message classes under the module name google-generativeai users know (``genai.protos``).

>>> genai.protos.Content(parts=[genai.protos.Part(text="hi")])
"""

from genai_protos.flat import *  # noqa: F403
from genai_protos.flat import __all__ as __all__
