"""The authoring API's paths, per api-version.

2021-11-01-preview served projects under `/language/analyze-text/projects`;
2022-05-01 moved them to `/language/authoring/analyze-text/projects`, where
every later version keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from archiver.errors import ConfigError

LEGACY_VERSION = "2021-11-01-preview"
SUPPORTED_VERSIONS = (
    LEGACY_VERSION,
    "2022-05-01",
    "2022-10-01-preview",
    "2023-04-01",
    "2024-11-15-preview",
    "2025-05-15-preview",
)


@dataclass(frozen=True)
class Routes:
    endpoint: str
    api_version: str

    @classmethod
    def for_version(cls, endpoint: str, api_version: str) -> Routes:
        if api_version not in SUPPORTED_VERSIONS:
            raise ConfigError(
                f"unsupported api-version {api_version!r} "
                f"(supported: {', '.join(SUPPORTED_VERSIONS)})"
            )
        return cls(endpoint.rstrip("/"), api_version)

    @property
    def legacy(self) -> bool:
        return self.api_version == LEGACY_VERSION

    @property
    def projects(self) -> str:
        middle = "analyze-text" if self.legacy else "authoring/analyze-text"
        return f"{self.endpoint}/language/{middle}/projects"

    def project(self, name: str) -> str:
        return f"{self.projects}/{quote(name, safe='')}"

    def export(self, name: str) -> str:
        return f"{self.project(name)}/:export"

    def import_(self, name: str) -> str:
        return f"{self.project(name)}/:import"

    def train(self, name: str) -> str:
        return f"{self.project(name)}/:train"

    def models(self, name: str) -> str:
        return f"{self.project(name)}/models"

    def deployments(self, name: str) -> str:
        return f"{self.project(name)}/deployments"

    def deployment(self, name: str, deployment: str) -> str:
        return f"{self.deployments(name)}/{quote(deployment, safe='')}"
