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


def from_core(e: Exception, kind: type[ServiceError] = ServiceError) -> ServiceError:
    """A core error as a service error: its own zh and en where it has them, else its
    text split at the " / " the core writes between the two languages."""
    zh, en = getattr(e, "zh", None), getattr(e, "en", None)
    if not (isinstance(zh, str) and isinstance(en, str)):
        text = str(e)
        zh, _, en = text.partition(" / ")
        en = en or text
        if zh.isascii() and not en.isascii():  # a few core messages put English first
            zh, en = en, zh
        if zh.isascii():  # English only (a library's words): never shown as the Chinese
            zh = "操作未完成：输入或记录不符合要求（详见英文说明）"
    return kind(zh, en)


class NotFound(ServiceError):  # noqa: N818 - named after the HTTP status it maps to
    status = 404


class Forbidden(ServiceError):  # noqa: N818
    status = 403


class Conflict(ServiceError):  # noqa: N818 - a step not allowed in the current stage
    status = 409
