"""The authoring API of Azure AI Language, as a client."""

from archiver.service.client import AuthoringClient, ClientOptions, ExportedProject, Job
from archiver.service.routes import SUPPORTED_VERSIONS, Routes

__all__ = [
    "SUPPORTED_VERSIONS",
    "AuthoringClient",
    "ClientOptions",
    "ExportedProject",
    "Job",
    "Routes",
]
