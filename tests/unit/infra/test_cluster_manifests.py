"""The cluster deployment (infra/cluster/): every overlay renders with kustomize and validates against the
Kubernetes 1.32 schemas (strict), and Trino mounts exactly what `lakehouse cluster render-config` wrote.

Offline: `kubectl kustomize` renders locally, kubernetes-validate ships the schemas.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from infra.cluster.config import ACCESS_CONFIGMAP, AUTH_SECRET, CLUSTER_DIR, GENERATED_ENV, OPERATOR_ENV

KUBERNETES_VERSION = "1.32.0"
OVERLAYS = ("dev", "prod")
KUBECTL = shutil.which("kubectl")
OPERATOR = {
    "LAKEHOUSE_PG_PASSWORD": "pg-pass/with:url@chars",
    "LAKEHOUSE_S3_ACCESS_KEY": "city-access",
    "LAKEHOUSE_S3_SECRET_KEY": "city-secret",
    "LAKEHOUSE_PSEUDONYM_KEY": "city-pseudonym-key",
}

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl (with kustomize) is not installed")

Resource = dict[str, Any]


def _render_config(out: Path, env: dict[str, str]) -> Any:
    from orchestration.cli_cluster import cluster

    return CliRunner().invoke(cluster, ["render-config", "--out", str(out)], env=env)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of infra/cluster with `render-config` run into its generated/ folder, as an operator does."""
    root = tmp_path_factory.mktemp("cluster") / "cluster"
    shutil.copytree(CLUSTER_DIR, root, ignore=shutil.ignore_patterns("generated", "__pycache__", "*.py"))
    result = _render_config(root / "generated", OPERATOR)
    assert result.exit_code == 0, result.output
    return root


def _kustomize(path: Path) -> list[Resource]:
    assert KUBECTL is not None
    done = subprocess.run([KUBECTL, "kustomize", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="module")
def rendered(tree: Path) -> dict[str, list[Resource]]:
    return {name: _kustomize(tree / "overlays" / name) for name in OVERLAYS}


def _one(resources: list[Resource], kind: str, name: str) -> Resource:
    found = [r for r in resources if r["kind"] == kind and r["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def _data(resource: Resource) -> dict[str, str]:
    """A ConfigMap's or Secret's files as text."""
    if resource["kind"] == "Secret":
        return {k: base64.b64decode(v).decode() for k, v in resource.get("data", {}).items()}
    return dict(resource.get("data", {}))


def _properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def _containers(deployment: Resource) -> Iterator[Resource]:
    spec = deployment["spec"]["template"]["spec"]
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def _mounted_file(resources: list[Resource], deployment: Resource, container: str, path: str) -> str:
    """What `container` of `deployment` reads at `path`: the key of the ConfigMap/Secret mounted over it."""
    spec = deployment["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    target = PurePosixPath(path)
    for mount in next(c for c in spec["containers"] if c["name"] == container)["volumeMounts"]:
        where = PurePosixPath(mount["mountPath"])
        if target.parent == where:
            volume = volumes[mount["name"]]
            if "configMap" in volume:
                source = _one(resources, "ConfigMap", volume["configMap"]["name"])
            else:
                source = _one(resources, "Secret", volume["secret"]["secretName"])
            files = _data(source)
            assert target.name in files, f"{path}: {source['kind']}/{source['metadata']['name']} has no key"
            return files[target.name]
    raise AssertionError(f"nothing is mounted at {target.parent} in {deployment['metadata']['name']}")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_resource_validates_strictly_against_kubernetes_1_32(
    rendered: dict[str, list[Resource]], overlay: str
) -> None:
    import kubernetes_validate

    failures = []
    for resource in rendered[overlay]:
        try:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            failures.append(f"{resource['kind']}/{resource['metadata']['name']}: {exc.message}")
    assert not failures
    kinds = {r["kind"] for r in rendered[overlay]}
    assert {"Namespace", "Deployment", "Service", "ConfigMap", "Secret", "PersistentVolumeClaim"} <= kinds
    elsewhere = [
        f"{r['kind']}/{r['metadata']['name']}"
        for r in rendered[overlay]
        if r["kind"] != "Namespace" and r["metadata"].get("namespace") != "lakehouse"
    ]
    assert not elsewhere


def test_strict_validation_refuses_a_misspelt_field(rendered: dict[str, list[Resource]]) -> None:
    """The check above is not vacuous: one misspelt field in a rendered Deployment fails it."""
    import kubernetes_validate

    broken = json.loads(json.dumps(_one(rendered["dev"], "Deployment", "trino-worker")))
    broken["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_overlays_size_the_cluster(rendered: dict[str, list[Resource]]) -> None:
    dev, prod = rendered["dev"], rendered["prod"]
    assert _one(dev, "Deployment", "trino-worker")["spec"]["replicas"] == 1
    assert _one(prod, "Deployment", "trino-worker")["spec"]["replicas"] > 1
    assert not [r for r in dev if r["kind"] in ("PodDisruptionBudget", "NetworkPolicy")]
    budgets = {r["metadata"]["name"] for r in prod if r["kind"] == "PodDisruptionBudget"}
    assert {"trino-worker", "superset"} <= budgets
    for resources in (dev, prod):
        worker = _one(resources, "Deployment", "trino-worker")
        limits = worker["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
        assert "memory" in limits  # the JVM heap is a share of it (MaxRAMPercentage)
    policies = [r for r in prod if r["kind"] == "NetworkPolicy"]
    # Everything in the namespace admits only its own pods, except two ports for the ingress controller.
    catch_all = next(p for p in policies if p["spec"]["podSelector"] == {})
    assert catch_all["spec"]["ingress"] == [{"from": [{"podSelector": {}}]}]
    opened = sorted(
        (p["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"], port["port"])
        for p in policies
        if p is not catch_all
        for rule in p["spec"]["ingress"]
        for port in rule["ports"]
    )
    assert opened == [("superset", 8088), ("trino", 8443)]


def test_trino_mounts_the_rules_groups_and_passwords_render_config_wrote(
    tree: Path, rendered: dict[str, list[Resource]]
) -> None:
    from governance.access.impersonation import with_impersonation
    from governance.access.policy import project_policy
    from governance.access.trino_rules import render_policy
    from infra.stack.secrets import demo_users
    from infra.stack.superset.secrets import SERVICE_USER

    generated = tree / "generated"
    users = json.loads((generated / "trino-users.json").read_text(encoding="utf-8"))
    assert set(users) == {name for name, _ in demo_users()} | {SERVICE_USER}
    for overlay in OVERLAYS:
        resources = rendered[overlay]
        for role in ("coordinator", "worker"):
            deployment = _one(resources, "Deployment", f"trino-{role}")
            etc = _data(_one(resources, "ConfigMap", f"trino-{role}-etc-" + _suffix(resources, role)))
            config = _properties(etc["config.properties"])
            access = _properties(etc["access-control.properties"])
            auth = _properties(etc["password-authenticator.properties"])
            # The config files name each other by the path the ConfigMap is mounted at.
            for referenced in (
                config["access-control.config-files"],
                config["password-authenticator.config-files"],
            ):
                assert PurePosixPath(referenced).name in etc
                assert PurePosixPath(referenced).parent == PurePosixPath("/etc/trino")
            rules = _mounted_file(resources, deployment, "trino", access["security.config-file"])
            assert rules == (generated / "rules.json").read_text(encoding="utf-8")
            password_db = _mounted_file(resources, deployment, "trino", auth["file.password-file"])
            assert password_db == (generated / "password.db").read_text(encoding="utf-8")
            entries = dict(line.split(":", 1) for line in password_db.splitlines())
            assert set(entries) == set(users)
            for name, entry in users.items():
                assert _pbkdf2_matches(entries[name], entry["password"]), name
            catalogs = _mounted_file(
                resources, deployment, "trino", config["catalog.config-dir"] + "/lakehouse.properties"
            )
            assert "connector.name=iceberg" in catalogs
        coordinator = _one(resources, "Deployment", "trino-coordinator")
        etc = _data(
            _one(resources, "ConfigMap", "trino-coordinator-etc-" + _suffix(resources, "coordinator"))
        )
        groups = _mounted_file(
            resources, coordinator, "trino", _properties(etc["group-provider.properties"])["file.group-file"]
        )
        assert groups == (generated / "groups.txt").read_text(encoding="utf-8")
        assert "transport:analyst_transport\n" in groups
        assert _properties(etc["http-event-listener.properties"])[
            "http-event-listener.connect-ingest-uri"
        ] == ("http://127.0.0.1:8480/events")
        receiver = next(
            c for c in coordinator["spec"]["template"]["spec"]["containers"] if c["name"] != "trino"
        )
        assert receiver["command"][receiver["command"].index("--port") + 1] == "8480"
    # The rules are governance's policy for no grants, with Superset's impersonation rule.
    expected = with_impersonation(render_policy(project_policy([])))
    written = json.loads((generated / "rules.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(expected, default=str))
    assert written["impersonation"][0]["original_user"] == SERVICE_USER


def _suffix(resources: list[Resource], role: str) -> str:
    """The hash kustomize gave trino-<role>-etc (a content hash: a change rolls the pods)."""
    names = [r["metadata"]["name"] for r in resources if r["kind"] == "ConfigMap"]
    prefix = f"trino-{role}-etc-"
    found = [n[len(prefix) :] for n in names if n.startswith(prefix)]
    assert len(found) == 1, names
    return found[0]


def _pbkdf2_matches(entry: str, password: str) -> bool:
    iterations, salt, digest = entry.split(":")
    computed = hashlib.pbkdf2_hmac("sha1", password.encode(), bytes.fromhex(salt), int(iterations), dklen=32)
    return computed.hex() == digest


def test_every_referenced_key_and_env_placeholder_exists(rendered: dict[str, list[Resource]]) -> None:
    """A secretKeyRef to a key the Secret lacks, or a ${ENV:X} the container is not given, fails at start-up
    in the cluster; here it fails the test."""
    for resources in rendered.values():
        maps = {
            (r["kind"], r["metadata"]["name"]): _data(r)
            for r in resources
            if r["kind"] in ("ConfigMap", "Secret")
        }
        for deployment in (r for r in resources if r["kind"] == "Deployment"):
            for container in _containers(deployment):
                given = set()
                for item in container.get("env", []):
                    given.add(item["name"])
                    source = item.get("valueFrom", {})
                    if "secretKeyRef" in source:
                        ref = source["secretKeyRef"]
                        assert ref["key"] in maps[("Secret", ref["name"])], ref
                    if "configMapKeyRef" in source:
                        ref = source["configMapKeyRef"]
                        assert ref["key"] in maps[("ConfigMap", ref["name"])], ref
                for item in container.get("envFrom", []):
                    kind, ref = (
                        ("Secret", item["secretRef"])
                        if "secretRef" in item
                        else ("ConfigMap", item["configMapRef"])
                    )
                    given |= set(maps[(kind, ref["name"])])
                if container["name"] == "trino":
                    volumes = deployment["spec"]["template"]["spec"]["volumes"]
                    texts = [
                        text
                        for v in volumes
                        if "configMap" in v
                        for text in maps[("ConfigMap", v["configMap"]["name"])].values()
                    ]
                    wanted = {m for text in texts for m in re.findall(r"\$\{ENV:([A-Z0-9_]+)\}", text)} - {
                        "HOSTNAME"
                    }
                    assert wanted and wanted <= given, wanted - given
        secrets = maps[("Secret", "lakehouse-secrets")]
        assert set(secrets) == set(OPERATOR_ENV) | set(GENERATED_ENV)
        assert all(secrets[name] == value for name, value in OPERATOR.items())


def test_cluster_catalogs_are_the_stacks_with_values_from_the_environment(tree: Path) -> None:
    """The cluster's two Trino catalogs are the stack's (infra/stack/trino_config.py) with each address and
    credential an ${ENV:…} reference: a property added to the stack's catalog and not here fails."""
    from infra.settings import Settings
    from infra.stack.trino_config import READ_CATALOG, STEWARD_CATALOG, catalog_file

    placeholders = Settings(
        profile="cluster",
        home=tree,
        catalog_name="${ENV:LAKEHOUSE_CATALOG_NAME}",
        pg_host="${ENV:LAKEHOUSE_PG_HOST}",
        pg_port="${ENV:LAKEHOUSE_PG_PORT}",  # type: ignore[arg-type]  # rendered as text
        pg_user="${ENV:LAKEHOUSE_PG_USER}",
        pg_password="${ENV:LAKEHOUSE_PG_PASSWORD}",
        s3_endpoint="${ENV:LAKEHOUSE_S3_ENDPOINT}",
        s3_bucket="${ENV:LAKEHOUSE_S3_BUCKET}",
        s3_access_key="${ENV:LAKEHOUSE_S3_ACCESS_KEY}",
        s3_secret_key="${ENV:LAKEHOUSE_S3_SECRET_KEY}",
    )
    folder = tree / "base" / "trino" / "catalog"
    ours = _properties((folder / f"{READ_CATALOG}.properties").read_text(encoding="utf-8"))
    assert ours == _properties(catalog_file(placeholders, read_only=True))
    assert ours["iceberg.security"] == "read_only"
    admin = _properties((folder / f"{STEWARD_CATALOG}.properties").read_text(encoding="utf-8"))
    stack_admin = _properties(catalog_file(placeholders, read_only=False))
    assert stack_admin.items() <= admin.items()
    assert "iceberg.security" not in admin
    assert not [v for v in (*ours.values(), *admin.values()) if "secret" in v.lower() and "${ENV:" not in v]


def test_dagster_instance_is_valid_and_names_what_the_manifests_create(
    rendered: dict[str, list[Resource]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster._config import process_config
    from dagster._core.instance.config import dagster_instance_config_schema
    from dagster_k8s import K8sRunLauncher

    resources = rendered["prod"]
    instance = _data(_one(resources, "ConfigMap", "dagster-instance"))
    config = yaml.safe_load(instance["dagster.yaml"])
    for name, value in _data(_one(resources, "ConfigMap", "lakehouse-settings")).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LAKEHOUSE_PG_PASSWORD", "x")
    assert process_config(dagster_instance_config_schema(), config).success
    launcher = config["run_launcher"]["config"]
    assert process_config(K8sRunLauncher.config_type(), launcher).success
    assert config["run_monitoring"]["enabled"] and config["run_retries"]["enabled"]
    assert launcher["instance_config_map"] == "dagster-instance"
    for name in launcher["env_config_maps"]:
        _one(resources, "ConfigMap", name)
    for name in launcher["env_secrets"]:
        _one(resources, "Secret", name)
    _one(resources, "ServiceAccount", launcher["service_account_name"])
    claims = {v["persistentVolumeClaim"]["claimName"] for v in launcher["volumes"]}
    assert all(_one(resources, "PersistentVolumeClaim", c) for c in claims)
    assert launcher["job_namespace"] == _one(resources, "Namespace", "lakehouse")["metadata"]["name"]
    user_code = _one(resources, "Deployment", "dagster-user-code")
    container = user_code["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][-2:] == ["-m", "orchestration.definitions"]
    # Run pods start from the user code server's own image (set by the kustomization's replacement).
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["DAGSTER_CURRENT_IMAGE"] == container["image"] == "lingang-lakehouse:0.1.0"
    workspace = yaml.safe_load(instance["workspace.yaml"])["load_from"][0]["grpc_server"]
    service = _one(resources, "Service", workspace["host"])
    assert service["spec"]["ports"][0]["port"] == workspace["port"]


def test_render_config_refuses_without_the_citys_credentials_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    partial = {name: value for name, value in OPERATOR.items() if name != "LAKEHOUSE_S3_SECRET_KEY"}
    result = _render_config(out, {**partial, "LAKEHOUSE_S3_SECRET_KEY": ""})
    assert result.exit_code != 0
    assert "LAKEHOUSE_S3_SECRET_KEY" in result.output
    assert not out.exists()


def test_render_config_keeps_tokens_and_passwords_and_writes_owner_only_files(
    tree: Path, tmp_path: Path
) -> None:
    out = tmp_path / "generated"
    shutil.copytree(tree / "generated", out)
    before = (out / "secrets.env").read_text(encoding="utf-8")
    users = (out / "trino-users.json").read_text(encoding="utf-8")
    assert _render_config(out, OPERATOR).exit_code == 0
    assert (out / "secrets.env").read_text(encoding="utf-8") == before
    assert (out / "trino-users.json").read_text(encoding="utf-8") == users
    assert all(path.stat().st_mode & 0o077 == 0 for path in out.iterdir())
    settings = json.loads((out / "superset-settings.json").read_text(encoding="utf-8"))
    # The password's URL characters are quoted: SQLAlchemy reads back the password, not a host.
    assert "lakehouse:pg-pass%2Fwith%3Aurl%40chars@" in settings["metadata_uri"]


def test_superset_metadata_url_names_the_postgresql_the_pods_are_given(
    tree: Path, rendered: dict[str, list[Resource]]
) -> None:
    from sqlalchemy.engine import make_url

    for resources in rendered.values():
        pods = _data(_one(resources, "ConfigMap", "lakehouse-settings"))
        url = make_url(
            json.loads(_data(_one(resources, "Secret", "superset-settings"))["superset-settings.json"])[
                "metadata_uri"
            ]
        )
        assert (url.host, str(url.port), url.username) == (
            pods["LAKEHOUSE_PG_HOST"],
            pods["LAKEHOUSE_PG_PORT"],
            pods["LAKEHOUSE_PG_USER"],
        )
        assert url.password == OPERATOR["LAKEHOUSE_PG_PASSWORD"] and url.database == "superset"


def test_generated_folder_is_never_committed() -> None:
    ignore = (CLUSTER_DIR / ".gitignore").read_text(encoding="utf-8").split()
    assert "generated/" in ignore
    done = subprocess.run(
        ["git", "check-ignore", "-q", str(CLUSTER_DIR / "generated" / "secrets.env")],
        cwd=CLUSTER_DIR,
        capture_output=True,
    )
    assert done.returncode == 0


def test_helm_prerequisites_render_and_validate_alone(tree: Path) -> None:
    """The Helm path applies infra/cluster/shared on its own: namespace, volume, settings, generated objects."""
    import kubernetes_validate

    resources = _kustomize(tree / "shared")
    for resource in resources:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    names = {(r["kind"], r["metadata"]["name"]) for r in resources}
    assert {
        ("Namespace", "lakehouse"),
        ("PersistentVolumeClaim", "lakehouse-home"),
        ("ConfigMap", "lakehouse-settings"),
        ("ConfigMap", ACCESS_CONFIGMAP),
        ("Secret", AUTH_SECRET),
        ("Secret", "lakehouse-secrets"),
        ("Secret", "superset-settings"),
    } <= names
    assert not [n for kind, n in names if kind == "Deployment"]


def _helm(name: str) -> dict[str, Any]:
    return yaml.safe_load((CLUSTER_DIR / "helm" / f"{name}-values.yaml").read_text(encoding="utf-8"))


def test_helm_trino_values_mount_the_generated_objects_and_the_same_catalogs(tree: Path) -> None:
    values = _helm("trino")
    shared = {(r["kind"], r["metadata"]["name"]) for r in _kustomize(tree / "shared")}
    access = _properties(values["accessControl"]["properties"])
    mount = next(m for m in values["configMounts"] if m["configMap"] == ACCESS_CONFIGMAP)
    assert PurePosixPath(access["security.config-file"]) == PurePosixPath(mount["path"]) / "rules.json"
    groups = _properties(values["coordinator"]["additionalConfigFiles"]["group-provider.properties"])
    assert PurePosixPath(groups["file.group-file"]) == PurePosixPath(mount["path"]) / "groups.txt"
    assert ("Secret", values["auth"]["passwordAuthSecret"]) in shared
    for source in values["envFrom"]:
        kind, ref = (
            ("Secret", source["secretRef"])
            if "secretRef" in source
            else ("ConfigMap", source["configMapRef"])
        )
        assert (kind, ref["name"]) in shared
    assert values["server"]["config"]["authenticationType"] == "PASSWORD"
    assert values["server"]["config"]["https"]["enabled"] is True
    folder = tree / "base" / "trino" / "catalog"
    for catalog, text in values["catalogs"].items():
        assert _properties(text) == _properties(
            (folder / f"{catalog}.properties").read_text(encoding="utf-8")
        )
    assert set(values["catalogs"]) == {"lakehouse", "lakehouse_admin"}


def test_helm_dagster_and_superset_values_run_our_code_on_the_generated_objects(tree: Path) -> None:
    shared = {(r["kind"], r["metadata"]["name"]) for r in _kustomize(tree / "shared")}
    dagster = _helm("dagster")
    (deployment,) = dagster["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "orchestration.definitions"]
    launcher = dagster["runLauncher"]
    assert launcher["type"] == "K8sRunLauncher"
    daemon = dagster["dagsterDaemon"]
    assert daemon["runMonitoring"]["enabled"] and daemon["runRetries"]["enabled"]
    assert dagster["postgresql"]["enabled"] is False
    for section in (dagster["dagsterWebserver"], deployment, launcher["config"]["k8sRunLauncher"], daemon):
        assert all(("ConfigMap", ref["name"]) in shared for ref in section["envConfigMaps"])
        assert all(("Secret", ref["name"]) in shared for ref in section["envSecrets"])
    superset = _helm("superset")
    assert ("Secret", superset["extraVolumes"][0]["secret"]["secretName"]) in shared
    settings = PurePosixPath(superset["extraEnv"]["LAKEHOUSE_SUPERSET_SETTINGS"])
    assert settings.parent == PurePosixPath(superset["extraVolumeMounts"][0]["mountPath"])
    assert settings.name == "superset-settings.json"


def test_every_container_on_the_shared_home_runs_as_one_user(rendered: dict[str, list[Resource]]) -> None:
    """The receiver's spool, reports and step logs are owner-only files: a writer and a reader of the
    shared home with different uids would lock each other out (the query-log asset could not read the spool)."""
    for resources in rendered.values():
        uids = set()
        for deployment in (r for r in resources if r["kind"] == "Deployment"):
            spec = deployment["spec"]["template"]["spec"]
            claims = {v["name"] for v in spec.get("volumes", []) if "persistentVolumeClaim" in v}
            for container in _containers(deployment):
                if {m["name"] for m in container.get("volumeMounts", [])} & claims:
                    context = {**spec.get("securityContext", {}), **container.get("securityContext", {})}
                    uids.add(context.get("runAsUser"))
        assert uids == {10001}
    launcher = yaml.safe_load(_data(_one(rendered["prod"], "ConfigMap", "dagster-instance"))["dagster.yaml"])
    run_pods = launcher["run_launcher"]["config"]["run_k8s_config"]["pod_spec_config"]["security_context"]
    assert run_pods["run_as_user"] == 10001
