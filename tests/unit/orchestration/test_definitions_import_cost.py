"""Loading the Dagster definitions, which every ``lakehouse run`` does, leaves out what only a step needs.

Presidio (and spaCy under it) takes about a second to import; only masking and the leak scans use it, and
a re-run with no new data runs neither.
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
