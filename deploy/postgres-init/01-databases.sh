#!/usr/bin/env bash
# One PostgreSQL role per Wuye service, owning only its own database: archive,
# tickets, billing, notify, gateway (each service owns its data; no two share a
# database, and no service can connect to another's). No role is a superuser or
# may create databases or roles.
#
# Run by the postgres image on an empty data volume (docker-entrypoint-initdb.d),
# as POSTGRES_USER; or by hand against an existing server, as a superuser:
#
#   PGHOST=db.example PGUSER=postgres ARCHIVE_DB_PASSWORD=... TICKETS_DB_PASSWORD=... \
#     BILLING_DB_PASSWORD=... NOTIFY_DB_PASSWORD=... GATEWAY_DB_PASSWORD=... \
#     bash deploy/postgres-init/01-databases.sh
#
# Idempotent: an existing role gets its password reset, an existing database its
# owner and privileges. WUYE_DB_PREFIX (default empty) prefixes every role and
# database name (tests). Keep the list in step with deploy/migrate.py SERVICES and
# the *_DB_URL settings (postgresql+psycopg2://SERVICE:PASSWORD@HOST:5432/SERVICE).
set -euo pipefail

prefix=${WUYE_DB_PREFIX:-}
admin=${POSTGRES_USER:-${PGUSER:-postgres}}

sql() {   # sql DATABASE [-v name=value ...] < script
  local database=$1; shift
  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "$admin" --dbname "$database" "$@"
}

for service in archive tickets billing notify gateway; do
  variable="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password=${!variable:-}
  if [ -z "$password" ]; then
    echo "01-databases.sh: set $variable (the password of role $prefix$service)" >&2
    exit 1
  fi
  name="$prefix$service"
  sql "${POSTGRES_DB:-postgres}" -v name="$name" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I', :'name')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS',
              :'name', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'name') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'name', :'name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'name', :'name') \gexec
SQL
  # its schema is its own; nobody else may create or read anything in it
  sql "$name" -v name="$name" <<'SQL'
SELECT format('ALTER SCHEMA public OWNER TO %I', :'name') \gexec
REVOKE ALL ON SCHEMA public FROM PUBLIC;
SQL
  echo "01-databases.sh: role and database $name"
done
