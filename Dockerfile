# syntax=docker/dockerfile:1
# The lakehouse image for the cluster deployment (infra/cluster/, docs/cluster.md): the Dagster user code
# server, webserver, daemon and run pods, and Trino's audit receiver all run it. Built where an image
# registry is reachable (not on the project's machines):
#   docker build -t <registry>/lingang-lakehouse:0.1.0 .
# The steps are the Makefile's `install`: a pinned uv, then `uv sync --frozen` from uv.lock (without the
# dev tools, with the `cluster` group: dagster-k8s for the run launcher), and dbt's own environment from
# infra/dbt_env/uv.lock into .venv-dbt with the project on its path (docs/adr/0025-…).
FROM python:3.11-slim

ARG UV_VERSION=0.13.8
ENV UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/lakehouse/.venv \
    PATH=/opt/lakehouse/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DAGSTER_DISABLE_TELEMETRY=1 \
    DO_NOT_TRACK=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    GX_ANALYTICS_ENABLED=false

# uv in a venv of its own, as the Makefile installs it (never on the image's PATH).
RUN python -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir "uv==${UV_VERSION}"

WORKDIR /opt/lakehouse
# Dependencies first (a layer that changes only with the lock), the project's code after.
COPY pyproject.toml uv.lock README.md ./
COPY infra/dbt_env/ infra/dbt_env/
RUN /opt/uv/bin/uv sync --frozen --no-dev --group cluster --no-install-project \
    && UV_PROJECT_ENVIRONMENT=/opt/lakehouse/.venv-dbt /opt/uv/bin/uv sync --frozen --no-dev --project infra/dbt_env

COPY infra/ infra/
COPY governance/ governance/
COPY ingest/ ingest/
COPY quality/ quality/
COPY orchestration/ orchestration/
COPY dbt_project/ dbt_project/
# Editable, like `make install`: the code finds dbt_project/ and the contracts beside it (PROJECT_ROOT).
RUN /opt/uv/bin/uv sync --frozen --no-dev --group cluster \
    && echo /opt/lakehouse > "$(.venv-dbt/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/lingang_lakehouse.pth" \
    && lakehouse --help > /dev/null

# dbt's manifest baked in: every pod reads the marts' inputs from it without parsing at start-up.
RUN LAKEHOUSE_HOME=/tmp/lakehouse .venv-dbt/bin/dbt parse --project-dir dbt_project --profiles-dir dbt_project --quiet \
    && rm -rf /tmp/lakehouse

# Non-root. dbt writes target/ and logs/ when it builds the marts; LAKEHOUSE_HOME is the mounted volume.
RUN groupadd --gid 10001 lakehouse \
    && useradd --uid 10001 --gid lakehouse --home-dir /var/lib/lakehouse --no-create-home lakehouse \
    && mkdir -p /var/lib/lakehouse /opt/dagster/home /opt/dagster/workspace \
    && chown -R lakehouse:lakehouse /var/lib/lakehouse /opt/dagster /opt/lakehouse/dbt_project
USER 10001:10001
ENV LAKEHOUSE_HOME=/var/lib/lakehouse \
    DAGSTER_HOME=/opt/dagster/home

ENTRYPOINT []
CMD ["lakehouse", "--help"]
