"""The Dagster UI (what `make dev` opens) serves the whole asset graph, grouped by zone."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from governance.contracts import load_contracts
from infra.dbt_manifest import ensure_manifest
from tests.factories import free_port

pytestmark = pytest.mark.integration
QUERY = "{ assetNodes { assetKey { path } groupName } }"


def test_webserver_shows_every_asset_grouped_by_zone(tmp_path):
    ensure_manifest()
    port = free_port()
    env = os.environ | {"DAGSTER_HOME": str(tmp_path), "LAKEHOUSE_HOME": str(tmp_path / "home")}
    webserver = Path(sys.executable).with_name("dagster-webserver")
    process = subprocess.Popen(
        [str(webserver), "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        nodes = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and nodes is None:
            try:
                reply = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, timeout=10)
                data = reply.json().get("data") or {}
                nodes = data.get("assetNodes") or None
            except (httpx.HTTPError, ValueError):
                time.sleep(2)
        assert nodes, "the webserver never served the asset graph"
        groups = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}
        for contract in load_contracts().values():
            assert groups[f"{contract.raw_namespace}/{contract.name}"] == contract.raw_namespace
            assert groups[f"staging/{contract.name}"] == "staging"
        assert groups["kpi/online_prereview_rate"] == "kpi"
        assert groups["exchange/enterprise_profile"] == "exchange"
    finally:
        process.terminate()
        process.wait(timeout=30)
