"""The IO side: operator CLI now; the Flask service, storage and sheets later."""
