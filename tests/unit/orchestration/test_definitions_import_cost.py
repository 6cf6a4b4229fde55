"""Loading the Dagster definitions, which every ``lakehouse run`` does, leaves out what only a step needs.

Presidio (and spaCy under it) takes about a second to import; only masking and the leak scans use it, and
a re-run with no new data runs neither. On the embedded profile nothing talks to the stack's servers either:
the PostgreSQL driver and the Trino and HTTP clients (~0.35 s together) wait for the step that needs them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

LOADED = """
import json, sys
from orchestration.definitions import defs
defs()
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The top-level packages a fresh process holds once it has loaded the embedded definitions (loaded
    once for this module's tests: it takes seconds)."""
    env = dict(
        os.environ,
        LAKEHOUSE_HOME=str(tmp_path_factory.mktemp("lakehouse")),
        LAKEHOUSE_PROFILE="embedded",
        LAKEHOUSE_PSEUDONYM_KEY="unit-test-pseudonym-key-not-secret",
    )
    # A process of its own: this one may have imported anything already.
    done = subprocess.run(
        [sys.executable, "-c", LOADED], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_definitions_load_without_presidio(loaded: set[str]) -> None:
    assert "dagster" in loaded  # the definitions did load
    assert not loaded & {"presidio_analyzer", "presidio_anonymizer", "spacy"}


def test_the_embedded_definitions_load_without_the_stack_clients(loaded: set[str]) -> None:
    assert "pyiceberg" in loaded
    assert not loaded & {"psycopg", "trino", "httpx"}
