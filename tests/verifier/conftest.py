"""Fixtures for the verifier tests; shared helpers live in ``verifierkit`` (a unique
module name, so test files never import a ``conftest`` that another folder also has)."""

from verifierkit import cancelled, demo, keys, other, small

__all__ = ["cancelled", "demo", "keys", "other", "small"]
