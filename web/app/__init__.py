"""The Flask app: app factory, views (blueprints), sign-in glue and the public pages."""
