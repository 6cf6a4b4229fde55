"""GX costs seconds to import: the quality library must not import it until a suite is validated."""

from __future__ import annotations

import subprocess
import sys

from infra.settings import PROJECT_ROOT


def test_quality_library_does_not_import_gx():
    code = (
        "import sys\n"
        "import quality.docs, quality.freshness, quality.report, quality.results, quality.suites, quality.validate\n"
        "from governance.contracts import load_contracts\n"
        "quality.suites.contract_rules(load_contracts()['parking_sessions'])\n"
        "assert 'great_expectations' not in sys.modules, 'GX imported eagerly'\n"
        "quality.suites.to_gx_suite('s', [])\n"
        "assert 'great_expectations' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
