# Pinned versions of the local engine (sourced by build.sh; read by src/devtools/local-engine).
# Changing any of them changes ENGINE_KEY, so the next start builds a new cached engine.
# shellcheck disable=SC2034
PG_BIN=/usr/lib/postgresql/15/bin
PG_LIB=/usr/lib/postgresql/15/lib

PGVECTOR_VERSION=0.8.0
PGVECTOR_FILE=pgvector-0.8.0.tar.gz
PGVECTOR_SHA256=f735d37c1f8a32a0c46f29db63860bdc1ed06a423d4280767afbd38f1fe58778
PGVECTOR_URL=https://github.com/pgvector/pgvector/archive/refs/tags/v0.8.0.tar.gz

PGCRON_VERSION=1.6.3
PGCRON_FILE=pg_cron-1.6.3.tar.gz
PGCRON_SHA256=105b669241ea200f0e9a5ffbc2c4e8c33b0dfaba2b13e06cdb4621382b7995d5
PGCRON_URL=https://github.com/citusdata/pg_cron/archive/refs/tags/v1.6.3.tar.gz

# Upstream DocumentDB 0.108 (microsoft/documentdb at b2e220c4): built, run and measured
# with FerretDB 2.5 here (shared/vendor/README.md).
DOCUMENTDB_VERSION=0.108-b2e220c4
DOCUMENTDB_DIR=documentdb-0.108-b2e220c4
DOCUMENTDB_FILE=documentdb-0.108-b2e220c4.tar.gz
DOCUMENTDB_SHA256=12ad4186807b2d5346c42c83e0691a5696d6317b51d81cd5a3b8b94f6ce002f7
DOCUMENTDB_URL=https://github.com/microsoft/documentdb/archive/b2e220c4.tar.gz

FERRETDB_VERSION=v2.5.0

DEBIAN_PACKAGES="postgresql-15 postgresql-server-dev-15 postgresql-15-postgis-3 postgresql-15-rum libpcre2-dev libbson-dev libintelrdfpmath-dev libkrb5-dev libssl-dev build-essential cmake pkg-config"

# Bump the build revision when build.sh changes what it builds.
ENGINE_BUILD=7
ENGINE_KEY="r$ENGINE_BUILD-pg15-pgvector$PGVECTOR_VERSION-pgcron$PGCRON_VERSION-documentdb$DOCUMENTDB_VERSION-ferretdb$FERRETDB_VERSION"
