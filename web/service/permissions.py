"""Who may do what to an intake: the staff routes and the page's buttons both read ``MAY``."""

from __future__ import annotations

from collections.abc import Mapping

from web.service.roles import STAFF, Role

ADM, OPR, SUP, AUD = Role.ADMIN, Role.OPERATOR, Role.SUPERVISOR, Role.AUDITOR


# Who may do what; the routes and the page's buttons both read this table.
MAY: Mapping[str, frozenset[Role]] = {
    "create": frozenset({ADM}),
    "import": frozenset({ADM, OPR}),
    "freeze": frozenset({ADM, OPR}),
    "announce": frozenset({ADM, OPR}),
    "witness": frozenset({ADM, OPR, SUP}),
    "draw": frozenset({ADM, OPR, SUP}),
    "publish": frozenset({ADM, OPR}),
    "cancel": frozenset({ADM}),
    "override": frozenset({ADM}),
    "amend": frozenset({ADM}),
    "exception_request": frozenset({ADM, OPR}),  # a school asks (Part E)
    "exception_decide": frozenset({ADM}),  # only the bureau decides
    "public_bundle": STAFF,
    "archive_bundle": frozenset({ADM, AUD}),
    "print": frozenset({ADM, OPR}),
}
