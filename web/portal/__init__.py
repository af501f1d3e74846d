"""What the public side shows and looks up: read models over the database, no Flask."""
