"""The enrollment season in the service (spec Part S): the ledger kept in the database."""
