"""The service without Flask: intakes and their steps, imports, accounts, roles, print jobs,
instance set-up and the read models behind the staff pages."""
