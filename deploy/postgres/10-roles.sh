#!/bin/sh
# Runs once, when the PostgreSQL volume is new: one role for Temporal (which creates its own
# databases `temporal` and `temporal_visibility`), one role and database for Vigil's SQL store.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
CREATE ROLE temporal LOGIN CREATEDB PASSWORD '${TEMPORAL_DB_PASSWORD}';
CREATE ROLE vigil LOGIN PASSWORD '${VIGIL_DB_PASSWORD}';
CREATE DATABASE vigil OWNER vigil;
SQL
