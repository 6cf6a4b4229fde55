"""Several Trino workers: each its own name, port, data dir and node id; `status` and `down` find them all.

No Trino here: `down` is checked on stand-in processes (sleep) recorded in the workers' PID files.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from infra.settings import Settings
from infra.stack import procs, registry, trino, trino_nodes
from infra.stack.paths import StackPaths
from infra.stack.secrets import StackSecrets, TrinoUser
from infra.stack.trino_config import render_node
from orchestration import cli_stack

SECRETS = StackSecrets("pgpw", "s3key", "s3secret", "shared-secret", "kspw", "audit-token")
USERS = [TrinoUser("steward", "pw1", ("data_office",))]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        profile="stack", home=tmp_path, catalog_name="lakehouse", trino_port=18443, trino_worker_port=18444
    )


def _props(text: str) -> dict[str, str]:
    lines = [line for line in text.splitlines() if line and not line.startswith("#") and "=" in line]
    return dict(line.split("=", 1) for line in lines)


def test_each_worker_has_its_own_name_port_folder_and_node_id(settings: Settings) -> None:
    paths = StackPaths.of(settings)
    nodes = trino_nodes.worker_nodes(settings, paths, 3)
    # The first worker is the one a one-worker stack always had.
    assert nodes[0] == trino_nodes.worker_node(settings, paths)
    assert (nodes[0].name, nodes[0].https_port, nodes[0].node_id) == ("trino-worker", 18444, "worker-1")
    assert nodes[0].base == paths.trino / "worker"
    assert [n.name for n in nodes[1:]] == ["trino-worker-2", "trino-worker-3"]
    assert [n.https_port for n in nodes] == [18444, 18445, 18446]
    assert [n.node_id for n in nodes] == ["worker-1", "worker-2", "worker-3"]
    assert len({n.data for n in nodes}) == 3 and len({paths.pid_file(n.name) for n in nodes}) == 3
    assert all(not n.coordinator and n.heap == "2G" for n in nodes)
    assert trino_nodes.worker_nodes(settings, paths, 0) == []
    with pytest.raises(ValueError):
        trino_nodes.worker_node(settings, paths, 0)


def test_a_second_worker_joins_the_coordinator_on_its_own_port(settings: Settings) -> None:
    paths = StackPaths.of(settings)
    node = trino_nodes.worker_node(settings, paths, 2)
    files = render_node(
        node,
        settings=settings,
        stack=SECRETS,
        users=USERS,
        plugin_dir=Path("/cache/trino/plugin"),
        keystore=paths.trino / "tls" / "keystore.p12",
        truststore=paths.trino / "tls" / "trino.pem",
        coordinator_etc=trino_nodes.coordinator_node(settings, paths).etc,
    )
    config, node_props = _props(files["config.properties"]), _props(files["node.properties"])
    assert config["coordinator"] == "false"
    assert config["http-server.https.port"] == "18445"
    assert config["discovery.uri"] == "https://127.0.0.1:18443"
    assert node_props["node.id"] == "worker-2"
    assert node_props["node.data-dir"] == str(paths.trino / "worker-2" / "data")
    assert "-Xmx2G" in files["jvm.config"]


def _stand_in(paths: StackPaths, name: str) -> subprocess.Popen[bytes]:
    # Own session, as procs.spawn starts servers: an escalated stop signals that group, not pytest's.
    proc = subprocess.Popen(["sleep", "120"], start_new_session=True)
    paths.pid_file(name).parent.mkdir(parents=True, exist_ok=True)
    paths.pid_file(name).write_text(f"{proc.pid}\n{procs.start_time(proc.pid) or ''}\n")
    return proc


def test_status_lists_every_configured_worker(settings: Settings) -> None:
    paths = StackPaths.of(settings)
    assert "trino-worker" not in {s.name for s in registry.status(settings)}
    for folder in ("worker", "worker-2"):
        (paths.trino / folder / "etc").mkdir(parents=True)
    listed = {s.name: s for s in registry.status(settings)}
    assert {"trino-worker", "trino-worker-2"} <= set(listed)
    assert listed["trino-worker-2"].url == "https://127.0.0.1:18445"
    assert not listed["trino-worker-2"].healthy and listed["trino-worker-2"].pid is None


def test_down_stops_every_worker_by_its_pid_file(settings: Settings) -> None:
    paths = StackPaths.of(settings)
    assert trino.known_workers(settings, paths) == []
    first, third = _stand_in(paths, "trino-worker"), _stand_in(paths, "trino-worker-3")
    (paths.trino / "worker-2" / "etc").mkdir(parents=True)  # configured once, not running now
    try:
        assert [n.node_id for n in trino.known_workers(settings, paths)] == [
            "worker-1",
            "worker-2",
            "worker-3",
        ]
        stopped = registry.down(settings)
        assert stopped == [f"trino-worker-3 (pid {third.pid})", f"trino-worker (pid {first.pid})"]
        assert first.wait(timeout=10) is not None and third.wait(timeout=10) is not None
        assert not paths.pid_file("trino-worker-3").exists()
    finally:
        for proc in (first, third):
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_up_takes_a_worker_count_from_the_option_or_the_environment(monkeypatch) -> None:
    asked: list[int] = []

    def fake_up(_settings, **kwargs):
        asked.append(kwargs["workers"] if not kwargs["with_worker"] else max(kwargs["workers"], 1))
        return []

    monkeypatch.setattr(registry, "up", fake_up)
    runner = CliRunner()
    assert runner.invoke(cli_stack.up, ["--component", "trino", "--workers", "2"]).exit_code == 0
    assert (
        runner.invoke(cli_stack.up, ["--component", "trino"], env={"LAKEHOUSE_TRINO_WORKERS": "3"}).exit_code
        == 0
    )
    assert runner.invoke(cli_stack.up, ["--component", "trino", "--worker"]).exit_code == 0
    assert runner.invoke(cli_stack.up, ["--component", "trino"]).exit_code == 0
    assert asked == [2, 3, 1, 0]
    assert runner.invoke(cli_stack.up, ["--workers", "-1"]).exit_code != 0


def test_registry_counts_at_least_one_worker_when_one_is_asked_for() -> None:
    assert "trino-worker" in registry.resolve(None, with_worker=True)
    assert "trino-worker" not in registry.resolve(None, with_worker=False)


def test_status_of_a_running_node_without_its_certificate_says_down_instead_of_crashing(
    settings: Settings,
) -> None:
    paths = StackPaths.of(settings)
    proc = _stand_in(paths, "trino")
    try:
        coordinator = trino_nodes.coordinator_node(settings, paths)
        assert not trino.cert_pem(paths).exists()
        found = trino.status(coordinator, paths)
        assert found.pid == proc.pid and not found.healthy
    finally:
        proc.kill()
        proc.wait()
