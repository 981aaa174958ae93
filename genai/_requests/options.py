"""The per-call transport options (timeout, retry, metadata) that a ``config=`` value carries.

>>> from genai._requests.config import GenerateContentConfig
>>> call_options(GenerateContentConfig(timeout=5)).timeout
5.0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from genai._coercion.base import is_genai_model
from genai._requests.config import EmbedContentConfig, GenerateContentConfig, google_genai_timeout
from genai._transport.checks import check_metadata, check_retry, check_timeout
from genai._transport.options import CallOptions, checked_call_options

__all__ = ["call_options"]


def call_options(config: Any) -> CallOptions | None:
    """The timeout/retry/metadata overrides a config carries, or None when it sets none of them.

    >>> call_options({"timeout": 5, "temperature": 0.1}).timeout
    5.0

    Takes the coerced configs, None, or a raw `config=` value (dict, google-genai config); values
    that carry no call options give None. Metadata is pairs or a dict (see genai._transport.checks).
    """
    if config is None:
        return None
    if isinstance(config, CallOptions):
        return config
    if isinstance(config, GenerateContentConfig | EmbedContentConfig):
        timeout, retry, metadata = config.timeout, config.retry, config.metadata
    elif isinstance(config, Mapping):
        timeout, retry, metadata = config.get("timeout"), config.get("retry"), config.get("metadata")
    elif is_genai_model(config):
        timeout, retry, metadata = google_genai_timeout(config, "config"), None, None
    else:
        return None
    if timeout is None and retry is None and metadata is None:
        return None
    seconds = check_timeout(timeout, "config.timeout")
    policy = check_retry(retry, "config.retry")
    pairs = check_metadata(metadata, "config.metadata")
    if seconds is None and policy is None and not pairs:
        return None
    return checked_call_options(seconds, policy, pairs)
