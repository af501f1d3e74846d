"""Storage for the service: SQLModel tables, the engine, the record kept in the database."""
