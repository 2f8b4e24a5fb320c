-- One database per Wuye service (each service owns its data; no two share a
-- database). Run once by the postgres image on an empty data volume, as
-- POSTGRES_USER, which therefore owns them. Keep this list in step with
-- deploy/migrate.py SERVICES and the *_DB_URL settings in docker-compose.yml.
CREATE DATABASE archive;
CREATE DATABASE tickets;
CREATE DATABASE billing;
CREATE DATABASE notify;
CREATE DATABASE gateway;
