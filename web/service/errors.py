"""The service's refusals: :class:`placement.errors.PlacementError` with an HTTP status."""

from __future__ import annotations

from typing import Self

from placement.errors import PlacementError

# What the Chinese line says when a core error has English words only (a library's
# format errors, given once): never English shown as the Chinese; the English line keeps it.
ENGLISH_ONLY_ZH = "操作未完成：输入或记录不符合要求（详见英文说明）"


class ServiceError(PlacementError):
    """A request the service refuses, with a message people can act on."""

    status = 400

    @classmethod
    def of(cls, e: PlacementError) -> Self:
        """A core error refused by the service: its own two lines, with Chinese words in
        the Chinese line when the core wrote the message in English only."""
        zh = ENGLISH_ONLY_ZH if e.zh.isascii() else e.zh
        return cls(zh, e.en, issues=e.issues)


class NotFound(ServiceError):  # noqa: N818 - named after the HTTP status it maps to
    status = 404


class Forbidden(ServiceError):  # noqa: N818
    status = 403


class Conflict(ServiceError):  # noqa: N818 - a step not allowed in the current stage
    status = 409
