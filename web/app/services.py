"""The ``Services`` an app holds, found from inside a request (or from the app itself)."""

from __future__ import annotations

from flask import Flask, current_app

from web.service.services import Services


def services(app: Flask | None = None) -> Services:
    s = (app or current_app).extensions["placement"]
    assert isinstance(s, Services)
    return s
