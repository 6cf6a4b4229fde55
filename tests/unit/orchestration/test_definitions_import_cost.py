"""Loading the Dagster definitions, which every ``lakehouse run`` does, leaves out what only a step needs.

Presidio (and spaCy under it) takes about a second to import; only masking and the leak scans use it, and
a re-run with no new data runs neither. On the embedded profile nothing talks to the stack's servers either:
the PostgreSQL driver and the Trino and HTTP clients (~0.35 s together) wait for the step that needs them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LOADED = """
import json, sys
from orchestration.definitions import defs
defs()
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_the_definitions_load_without_presidio(lakehouse_home: Path) -> None:
    # A process of its own: this one may have imported anything already.
    done = subprocess.run([sys.executable, "-c", LOADED], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "dagster" in loaded  # the definitions did load
    assert not loaded & {"presidio_analyzer", "presidio_anonymizer", "spacy"}


def test_the_embedded_definitions_load_without_the_stack_clients(lakehouse_home: Path) -> None:
    done = subprocess.run([sys.executable, "-c", LOADED], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "pyiceberg" in loaded
    assert not loaded & {"psycopg", "trino", "httpx"}
