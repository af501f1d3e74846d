"""One exception base for the verifier; every message is in Chinese and English.

Checks raise these; the runner (:mod:`verifier.checks`) turns each into a named,
failed or skipped check with a plain message, never a traceback.
"""

from __future__ import annotations

from placement.errors import PlacementError


class VerificationError(PlacementError):
    """Base of every error the verifier raises: something does not verify."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en)


class Failed(VerificationError):  # noqa: N818 - names the outcome of a check
    """A check found the record wrong."""


class Skipped(VerificationError):  # noqa: N818 - names the outcome of a check
    """A check could not run; ``optional`` skips (nothing to check) still verify."""

    def __init__(self, zh: str, en: str, *, optional: bool = False) -> None:
        super().__init__(zh, en)
        self.optional = optional


class Need(Skipped):
    """A part of the input a check needs could not be read; the check is skipped.

    ``cause`` is the problem found while reading it; the check that owns that part
    reports it as a failure (:meth:`failure`).
    """

    def __init__(self, zh: str, en: str, *, part: str, cause: BaseException | None = None) -> None:
        super().__init__(f"未检查：{zh}不可用", f"not checked: {en} is unusable")
        self.part = part
        self.cause = cause

    def failure(self) -> Failed:
        if isinstance(self.cause, PlacementError):
            return Failed(self.cause.zh, self.cause.en)
        if self.cause is not None:
            return Failed(str(self.cause), str(self.cause))
        return Failed(self.zh, self.en)


class UnusableInput(VerificationError):  # noqa: N818 - reads better at call sites
    """The input is not a bundle, a signed document or a receipt (exit code 2)."""

    exit_status = 2
