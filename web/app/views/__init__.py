"""Blueprints: ``auth`` (login), ``staff`` (intakes and the workflow), ``admin`` (users,
schools), ``ceremony`` (projector and witness entry), ``portal`` (public pages)."""
