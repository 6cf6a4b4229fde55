-- Rendered by infra/stack/postgres.py and run as the postgres superuser over the unix socket.
SELECT format('CREATE ROLE %I LOGIN', '${role}')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') \gexec
ALTER ROLE "${role}" WITH LOGIN PASSWORD '${password}';
${databases}
