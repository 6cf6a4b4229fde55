"""Vectorised masking policies over pyarrow arrays, and the pseudonymisation key."""
