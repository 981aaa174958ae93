"""Which servicer serves each service of the API over gRPC: one module per service.

A service without a servicer yet answers every method UNIMPLEMENTED (`front._Unimplemented`). A
later issue adds its module here (files' metadata, tuned models, corpora,
permissions on the store; live sessions in `generative`), and a test checks that this table names
every service of the API.
"""

from __future__ import annotations

from collections.abc import Callable

from .._backend import Backend
from .caches import CacheServicer
from .files import FileServicer
from .generative import GenerativeServicer
from .models import ModelServicer
from .operations import SERVICE_NAME as OPERATIONS
from .operations import OperationsServicer
from .prediction import PredictionServicer

PACKAGE = "google.ai.generativelanguage.v1beta"

SERVICERS: dict[str, Callable[[Backend], object] | None] = {
    "GenerativeService": GenerativeServicer,
    "ModelService": ModelServicer,
    "CacheService": CacheServicer,
    "FileService": FileServicer,
    "RetrieverService": None,
    "PermissionService": None,
    "PredictionService": PredictionServicer,
    "TextService": None,
    "DiscussService": None,
}

# Services from outside the API's package that its host serves too, by full name.
OTHER_SERVICERS: dict[str, Callable[[Backend], object]] = {OPERATIONS: OperationsServicer}
