"""One exception base for the service; every message is bilingual (zh / en)."""

from __future__ import annotations

from placement.errors import Issue


class ServiceError(Exception):
    """A request the service refuses, with a message people can act on."""

    status = 400

    def __init__(self, zh: str, en: str, *, issues: tuple[Issue, ...] = ()) -> None:
        self.zh = zh
        self.en = en
        self.issues = issues
        super().__init__(f"{zh} / {en}")


class NotFound(ServiceError):  # noqa: N818 - named after the HTTP status it maps to
    status = 404


class Forbidden(ServiceError):  # noqa: N818
    status = 403


class Conflict(ServiceError):  # noqa: N818 - a step not allowed in the current stage
    status = 409
