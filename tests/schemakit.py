"""The JSON Schema validator the schema tests share: draft 2020-12 with ECMA-262 `pattern`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators


def _ecma_pattern(validator: Any, pattern: str, instance: Any, _schema: Any) -> Iterator[Any]:
    """`pattern` with ECMA-262 semantics (JSON Schema's dialect): `$` is the very end.

    Python's `$` also matches before a final newline, which would let "…\\n" through.
    """
    regex = pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern
    if validator.is_type(instance, "string") and not re.search(regex, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


Validator: Any = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})
