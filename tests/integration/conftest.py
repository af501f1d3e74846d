from servicekit import service, sqlite_service

__all__ = ["service", "sqlite_service"]
