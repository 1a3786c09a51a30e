"""Files that ship with the package: the JSON Schemas."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.protocols import Validator

__all__ = ["Validator", "compile_schema", "load_schema", "schema_dir"]


def schema_dir() -> Path:
    """Where the schemas are: inside an installed wheel, else the source tree's `schemas/`."""
    packaged = Path(str(resources.files("archiver"))) / "schemas"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "schemas"


@cache
def load_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((schema_dir() / name).read_text(encoding="utf-8"))
    return schema


def compile_schema(schema: dict[str, Any]) -> Validator:
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator: Validator = cls(schema)
    return validator
