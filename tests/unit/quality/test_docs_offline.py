"""Data Docs built by a real GX validation load nothing from outside: every script, style sheet and image is a
local file that exists, and the vendored files are the ones VENDORED.md lists by hash."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from governance.contracts import load_contracts
from quality.docs_offline import ASSETS, remote_assets, rewrite, site_pages
from quality.validate import validate_table

LOCAL_REF = re.compile(r"<(?:script|link|img)\b[^>]*?\b(?:src|href)=[\"']([^\"'#?]+)", re.IGNORECASE)


def test_a_built_site_loads_only_local_files_that_exist(tmp_path, sessions):
    outcome = validate_table(
        load_contracts()["parking_sessions"], sessions, run_id="run-1", docs_root=tmp_path
    )
    pages = site_pages(tmp_path)
    assert outcome.docs_page in pages and tmp_path / "index.html" in pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert remote_assets(html) == [], page
        assert "integrity=" not in html and "vega" not in html
        for ref in LOCAL_REF.findall(html):
            assert (page.parent / ref).resolve().is_file(), f"{page.name}: {ref} missing"
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'src="static/vendor/jquery-3.7.1.min.js"' in index
    assert 'href="static/vendor/fontawesome-6.6.0/css/all.min.css"' in index


def test_rewriting_is_idempotent_and_drops_what_is_not_vendored(tmp_path):
    page = tmp_path / "validations" / "a" / "b.html"
    html = (
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js" integrity="sha384-x" crossorigin="anonymous">'
        '</script><script src="https://cdn.jsdelivr.net/npm/vega@5"></script>'
        '<img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?d=1&dataContextId=2">'
    )
    once = rewrite(html, page, tmp_path)
    assert once == (
        '<script src="../../static/vendor/jquery-3.7.1.min.js"></script>'
        '<img src="../../static/images/logo-long.png">'
    )
    assert rewrite(once, page, tmp_path) == once


def test_vendored_files_match_their_recorded_hashes():
    recorded = dict(re.findall(r"\| `([^`]+)` \| `([0-9a-f]{64})` \|", (ASSETS / "VENDORED.md").read_text()))
    files = {
        p.relative_to(ASSETS).as_posix()
        for p in ASSETS.rglob("*")
        if p.is_file() and not p.name.startswith("LICENSE") and p.name != "VENDORED.md"
    }
    assert set(recorded) == files
    for name, digest in recorded.items():
        assert hashlib.sha256((ASSETS / name).read_bytes()).hexdigest() == digest, name


def test_site_pages_leave_out_the_vendored_folder(tmp_path: Path):
    (tmp_path / "static" / "vendor" / "x").mkdir(parents=True)
    (tmp_path / "static" / "vendor" / "x" / "demo.html").write_text("<html></html>")
    (tmp_path / "index.html").write_text("<html></html>")
    assert site_pages(tmp_path) == [tmp_path / "index.html"]
