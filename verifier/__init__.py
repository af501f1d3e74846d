"""Standalone verifier: depends only on the core, ``cryptography`` and small pure libraries.

``verify-placement`` (:mod:`verifier._cli`) checks a record bundle, a class statement
or a pupil receipt and prints a table of named checks; :mod:`verifier.verify` holds
the same as functions returning a :class:`verifier.report.Report`.
"""
