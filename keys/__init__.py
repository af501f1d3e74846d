"""Key management: the only place private keys exist (spec §13, §14, §16).

- :mod:`keys.store` — :class:`~keys.store.KeyStore`, a 0700 folder of Ed25519 keys as
  encrypted PKCS#8 PEM (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC), each 0600, and the
  public ``keyring.json`` beside them; every file is written atomically.
- :mod:`keys.signer` — :class:`~keys.signer.Signer` signs JWS (compact, or general with
  :func:`~keys.signer.sign_general`) and C2SP signed notes.
- :mod:`keys.passphrase` — passphrases from ``$PLACEMENT_KEY_PASSPHRASE`` or a prompt.
- ``placement keys init | create | list | rotate | revoke | export-public`` is
  :mod:`web.cli.keys`.
- :mod:`keys.errors` — :class:`~keys.errors.KeysError` and its kinds, worded in Chinese and English.

The core (``placement/``) and the verifier never import this package.
"""
