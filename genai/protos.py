"""The message classes under the module name google-generativeai users know (``genai.protos``).

>>> import genai
>>> genai.protos.Content(parts=[genai.protos.Part(text="hi")]).parts[0].text
'hi'
"""

from genai_protos.flat import *  # noqa: F403
from genai_protos.flat import __all__ as __all__
