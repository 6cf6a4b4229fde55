# syntax=docker/dockerfile:1
# Superset for the cluster: the stack's pinned Superset (infra/stack/superset/requirements.lock: Superset
# 6.1.0, Trino's SQLAlchemy dialect, psycopg2, gunicorn) and our superset_config.py, which reads its secret key and
# metadata URL from LAKEHOUSE_SUPERSET_SETTINGS (Secret superset-settings, by `lakehouse cluster render-config`).
# Built from the repository root where a registry is reachable:
#   docker build -f infra/cluster/images/superset.Dockerfile -t <registry>/lingang-lakehouse-superset:6.1.0 .
FROM python:3.11-slim

ARG UV_VERSION=0.13.8
ENV UV_PYTHON_DOWNLOADS=never \
    UV_NO_CACHE=1 \
    PATH=/opt/superset/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SUPERSET_CONFIG_PATH=/opt/superset-config/superset_config.py

# Its own venv, as on the stack (infra/stack/superset/install.py): Superset needs SQLAlchemy < 2.
RUN python -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir "uv==${UV_VERSION}" \
    && /opt/uv/bin/uv venv --python python3.11 /opt/superset
COPY infra/stack/superset/requirements.lock /tmp/requirements.lock
RUN /opt/uv/bin/uv pip sync --python /opt/superset/bin/python /tmp/requirements.lock \
    && rm /tmp/requirements.lock
COPY infra/stack/superset/superset_config.py /opt/superset-config/superset_config.py

RUN groupadd --gid 10001 superset \
    && useradd --uid 10001 --gid superset --no-create-home --home-dir /var/lib/superset superset \
    && mkdir -p /var/lib/superset && chown superset:superset /var/lib/superset
USER 10001:10001
EXPOSE 8088
CMD ["gunicorn", "--bind", "0.0.0.0:8088", "--workers", "2", "superset.app:create_app()"]
