"""The enrollment season before the draw (spec Part S): pure values and documents.

Registration, review, 公示 with 举报, and the derivation of the draw's roster from the
committed list. Nothing here reads a clock, a file or the OS's randomness: times and
salts come in as arguments, and signing is a function the caller passes.
"""
