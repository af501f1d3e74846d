"""Standalone verifier: depends only on the core, ``cryptography`` and small pure libraries."""
