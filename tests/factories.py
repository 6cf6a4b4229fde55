"""Identifiers computed by code for tests (no hand-copied fixture blobs)."""

from __future__ import annotations

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def resident_id(first17: str) -> str:
    """GB 11643: append the check character to 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def uscc(first17: str) -> str:
    """GB 32100: append the check character to 17 characters."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return first17 + _USCC_ALPHABET[(31 - total % 31) % 31]


def wrong_check(identifier: str) -> str:
    last = identifier[-1]
    return identifier[:-1] + ("1" if last != "1" else "2")


def free_port() -> int:
    """A loopback port nothing listens on right now (tests start their servers there)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dbt_model(name: str, columns: list[tuple[str, str, tuple[str, ...]]], schema: str = "kpi"):
    """A dbt model as the manifest reader gives it: (column, data type, generic tests) per column."""
    from infra.dbt_manifest import DbtColumn, DbtModel

    return DbtModel(
        unique_id=f"model.test.{name}",
        name=name,
        schema=schema,
        description="",
        columns=tuple(DbtColumn(c, "", t, tests=frozenset(tests)) for c, t, tests in columns),
        depends_on=(),
    )
