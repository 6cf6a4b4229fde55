"""Our Data Docs builders and views (quality/docs_site.py) render what GX's own render, without compiling a
template twice or reading a stored result twice in one process."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jinja2
import pyarrow as pa

from governance.contracts import load_contracts
from quality.docs_offline import make_offline, site_pages
from quality.gx_runtime import DOCS_SITE, STORE_DIR, gx
from quality.validate import validate_table

CONTRACT = load_contracts()["parking_sessions"]
# What differs between two renders of the same result: element ids GX draws at random, and times of the build.
_VOLATILE = (
    re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    re.compile(r"\?d=\d{8}T\d{6}\.\d+Z"),
)


def _normalised(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    for pattern in _VOLATILE:
        html = pattern.sub("~", html)
    return html


def _gx_default_site(root: Path) -> None:
    """Build the site under ``root`` from its stored results with GX's default builders and views."""
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        FilesystemStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=FilesystemStoreBackendDefaults(root_directory=str(root / STORE_DIR)),
        data_docs_sites={
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(root)},
            }
        },
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    gx().get_context(mode="ephemeral", project_config=config).build_data_docs(site_names=[DOCS_SITE])
    make_offline(root, site_pages(root))


def test_pages_are_the_ones_gx_renders(tmp_path, sessions):
    ours = tmp_path / "ours"
    damaged = pa.concat_tables([sessions, sessions.slice(0, 1)])
    for run, table in enumerate([sessions, damaged, sessions]):
        validate_table(CONTRACT, table, run_id=f"run-{run}", snapshot_id=run, docs_root=ours)
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    shutil.copytree(ours / STORE_DIR, theirs / STORE_DIR)
    _gx_default_site(theirs)
    pages = {p.relative_to(ours) for p in site_pages(ours)}
    assert pages == {p.relative_to(theirs) for p in site_pages(theirs)}
    assert len(pages) == 5  # the index, the suite, three results
    for page in sorted(pages):
        assert _normalised(ours / page) == _normalised(theirs / page), page


def test_a_second_build_compiles_no_template_and_reads_only_the_new_result(tmp_path, sessions, monkeypatch):
    validate_table(CONTRACT, sessions, run_id="run-1", docs_root=tmp_path)
    compiled: list[str | None] = []
    real_compile = jinja2.Environment.compile

    def compile(self, source, name=None, *args, **kwargs):
        compiled.append(name)
        return real_compile(self, source, name, *args, **kwargs)

    from great_expectations.data_context.store.validation_results_store import ValidationResultsStore

    read: list[object] = []
    real_get = ValidationResultsStore.get

    def get(self, key):
        read.append(key)
        return real_get(self, key)

    monkeypatch.setattr(jinja2.Environment, "compile", compile)
    monkeypatch.setattr(ValidationResultsStore, "get", get)
    outcome = validate_table(CONTRACT, sessions, run_id="run-2", docs_root=tmp_path)
    assert [name for name in compiled if name and name.endswith(".j2")] == []
    # Its page, and the index's line for it: not the result of run-1 again.
    assert {key.run_id.run_name for key in read} == {"run-2"}
    assert outcome.docs_page is not None and outcome.docs_page.is_file()
    assert "run-1" in (tmp_path / "index.html").read_text(encoding="utf-8")
