"""The service's refusals: :class:`placement.errors.PlacementError` with an HTTP status."""

from __future__ import annotations

from placement.errors import PlacementError


class ServiceError(PlacementError):
    """A request the service refuses, with a message people can act on."""

    status = 400


class NotFound(ServiceError):  # noqa: N818 - named after the HTTP status it maps to
    status = 404


class Forbidden(ServiceError):  # noqa: N818
    status = 403


class Conflict(ServiceError):  # noqa: N818 - a step not allowed in the current stage
    status = 409
