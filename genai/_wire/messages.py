"""Every message and enum class of the API under its flat name, for genai's own modules.

    >>> from genai._wire import messages as pb
    >>> pb.Content(role="user", parts=[pb.Part(text="hi")]).parts[0].text
    'hi'

The same classes as the public ``genai.types`` (both re-export the generated ``genai_protos.flat``),
but internal modules take them from here: the public module is for users, and may grow names (typed
configs, error aliases) that are not messages.
"""

from genai_protos.flat import *  # noqa: F403
from genai_protos.flat import __all__ as __all__
