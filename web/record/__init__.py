"""The signed record of a draw: ``DrawRecord``, its blob stores, the file log and bundles."""
