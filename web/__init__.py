"""The IO side around the pure core, in rooms with one-way doors (see docs/service.md):
cli → demo → app → portal → service → sheets → db → record → (placement, keys)."""
