"""Placeholder: being written."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__)


@bp.route("/")
def index() -> str:
    return "portal"
