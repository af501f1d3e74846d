"""Key management (Ed25519, encrypted at rest). Filled in by the signed-record issue."""
