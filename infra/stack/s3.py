"""S3 API server: s3proxy (Maven Central) with its filesystem backend over $LAKEHOUSE_HOME/stack/s3."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from infra.settings import Settings
from infra.stack import maven, procs
from infra.stack.jdk import find_jdk
from infra.stack.model import ComponentStatus, Progress, StackError
from infra.stack.paths import StackPaths, cache_lock
from infra.stack.templates import render, write

NAME = "s3"
VERSION = "3.0.0"
ARTIFACT = f"org.gaul:s3proxy:{VERSION}:jar:jar-with-dependencies"
MIN_JAVA = 17


def host_port(settings: Settings) -> tuple[str, int]:
    parts = urlsplit(settings.s3_endpoint)
    if parts.hostname is None or parts.port is None:
        raise StackError(f"LAKEHOUSE_S3_ENDPOINT needs host and port: {settings.s3_endpoint!r}")
    return parts.hostname, parts.port


def render_properties(settings: Settings, paths: StackPaths) -> str:
    _, port = host_port(settings)
    return render(
        "s3proxy/s3proxy.properties",
        port=port,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        basedir=paths.s3,
    )


def up(settings: Settings, paths: StackPaths, progress: Progress) -> ComponentStatus:
    with cache_lock(paths.cache):
        jar = maven.fetch(paths.m2, ARTIFACT, progress)
    host, port = host_port(settings)
    pid_file, log_file = paths.pid_file(NAME), paths.log_file(NAME)
    # The filesystem backend maps buckets to folders: creating the folder creates the bucket.
    (paths.s3 / settings.s3_bucket).mkdir(parents=True, exist_ok=True)
    pid = procs.running_pid(pid_file)
    if pid is None:
        if procs.port_open(host, port):
            raise StackError(f"port {port} is already in use by another program")
        conf = paths.root / "s3proxy.properties"
        write(conf, render_properties(settings, paths), mode=0o600)
        java = find_jdk(MIN_JAVA)
        progress(f"starting s3proxy {VERSION} on {settings.s3_endpoint}")
        pid = procs.spawn(
            [str(java.java), "-Xmx512m", "-jar", str(jar), "--properties", str(conf)],
            pid_file=pid_file,
            log_file=log_file,
            cwd=paths.root,
        )
        procs.wait_until(
            lambda: _answers(settings), what="s3proxy", timeout=90, log_file=log_file, pid=pid, interval=0.5
        )
    return status(settings, paths)


def _answers(settings: Settings) -> bool:
    # Any S3 answer (403 for an unsigned request) proves the server is up.
    response = httpx.get(settings.s3_endpoint, timeout=2)
    return response.status_code in (200, 403)


def status(settings: Settings, paths: StackPaths) -> ComponentStatus:
    pid = procs.running_pid(paths.pid_file(NAME))
    healthy = False
    if pid is not None:
        try:
            healthy = _answers(settings)
        except httpx.HTTPError:
            healthy = False
    return ComponentStatus(
        name=NAME,
        url=f"{settings.s3_endpoint}/{settings.s3_bucket}",
        version=f"s3proxy {VERSION}" if pid is not None else "",
        healthy=healthy,
        pid=pid,
        log=str(paths.log_file(NAME)),
    )


def stop(paths: StackPaths) -> int | None:
    return procs.stop_recorded(paths.pid_file(NAME), timeout=20)
