#!/usr/bin/env bash
# Builds fanhook's local database engine once and caches it (shared/SPEC.md §11):
# PostgreSQL 15 (Debian's) with pgvector, pg_cron and DocumentDB, and FerretDB 2.5 as the
# MongoDB-wire front end. Prints one progress line per step to stderr and the engine's
# directory on stdout. A second run with the same pins finds the cache and prints at once.
#
# Sources: ../shared/vendor/ (pinned tarballs) when it exists, else the projects' GitHub
# archives, checked against the same SHA-256 sums. FerretDB comes from the Go module proxy.
#
#   scripts/local-engine/build.sh            FANHOOK_CACHE_DIR overrides ~/.cache/fanhook
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=pins.sh
source "$here/pins.sh"

cache_dir=${FANHOOK_CACHE_DIR:-${HOME:-/tmp}/.cache/fanhook}
engine_dir="$cache_dir/engine-$ENGINE_KEY"
vendor_dir=${FANHOOK_VENDOR_DIR:-$(cd "$here/../../.." && pwd)/shared/vendor}

say() { printf 'local engine: %s\n' "$*" >&2; }
fail() { printf 'local engine: %s\n' "$*" >&2; exit 1; }

if [[ -f "$engine_dir/READY" ]]; then
  printf '%s\n' "$engine_dir"
  exit 0
fi

# --- what the machine must have ---------------------------------------------------------------
# As root on Debian (CI, these machines) missing packages are installed here, so `npm run dev`
# and `npm test` work on a fresh machine; anyone else gets one line naming what to install.
apt_install="apt-get install -y $DEBIAN_PACKAGES"
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in $DEBIAN_PACKAGES; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
fi
if ((${#missing[@]} > 0)) && [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  say "installing Debian packages: ${missing[*]}"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
    >/dev/null 2>&1 || fail "apt-get could not install ${missing[*]} (try: $apt_install)"
fi
need_pkg() { # command-or-file, debian package
  if [[ "$1" == /* ]]; then [[ -e "$1" ]]; else command -v "$1" >/dev/null 2>&1; fi ||
    fail "missing system package $2 (install the build's packages with: $apt_install)"
}
need_pkg "$PG_BIN/postgres" postgresql-15
need_pkg "$PG_BIN/pg_config" postgresql-server-dev-15
need_pkg /usr/include/postgresql/15/server/postgres.h postgresql-server-dev-15
need_pkg make build-essential
need_pkg gcc build-essential
need_pkg cmake cmake
need_pkg pkg-config pkg-config
need_pkg /usr/include/pcre2.h libpcre2-dev
need_pkg /usr/include/libbson-1.0/bson/bson.h libbson-dev
need_pkg /usr/lib/x86_64-linux-gnu/libbidgcc000.a libintelrdfpmath-dev
need_pkg /usr/include/krb5.h libkrb5-dev
need_pkg /usr/include/openssl/ssl.h libssl-dev
need_pkg "$PG_LIB/rum.so" postgresql-15-rum
need_pkg "$PG_LIB/postgis-3.so" postgresql-15-postgis-3
command -v go >/dev/null 2>&1 || fail "missing Go >= 1.24 (install it from go.dev/dl or: apt-get install -y golang-go)"

work=$(mktemp -d "${TMPDIR:-/tmp}/fanhook-engine-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage="$work/engine"
started=$SECONDS
step() { say "[$1/6] $2 ($((SECONDS - started)) s)"; }

# --- sources --------------------------------------------------------------------------------
fetch_source() { # name file sha256 url
  local file="$work/$2"
  if [[ -f "$vendor_dir/$2" ]]; then
    cp "$vendor_dir/$2" "$file"
  else
    command -v curl >/dev/null 2>&1 || fail "missing curl to download $2 (apt-get install -y curl)"
    curl -fsSL --retry 2 -o "$file" "$4" || fail "cannot download $1 from $4 (and $vendor_dir/$2 is absent)"
  fi
  echo "$3  $file" | sha256sum -c --quiet - >/dev/null 2>&1 || fail "checksum mismatch for $2"
  tar xzf "$file" -C "$work"
}
step 1 "unpacking pinned sources"
fetch_source pgvector "$PGVECTOR_FILE" "$PGVECTOR_SHA256" "$PGVECTOR_URL"
fetch_source pg_cron "$PGCRON_FILE" "$PGCRON_SHA256" "$PGCRON_URL"
fetch_source documentdb "$DOCUMENTDB_FILE" "$DOCUMENTDB_SHA256" "$DOCUMENTDB_URL"

# --- a relocatable PostgreSQL tree: Debian's server plus the extensions ----------------------
# PostgreSQL finds its lib and share directories relative to its binary, so a copy of
# Debian's tree with the extensions installed into it (DESTDIR) runs from the cache without
# touching the system's own PostgreSQL.
mkdir -p "$stage/pg/usr/lib/postgresql" "$stage/pg/usr/share/postgresql"
cp -a /usr/lib/postgresql/15 "$stage/pg/usr/lib/postgresql/"
cp -a /usr/share/postgresql/15 "$stage/pg/usr/share/postgresql/"
jobs=$(nproc 2>/dev/null || echo 2)
pgxs() { # directory [make args]
  local dir=$1
  shift
  make -C "$dir" -j"$jobs" PG_CONFIG="$PG_BIN/pg_config" "$@" >>"$work/build.log" 2>&1 &&
    make -C "$dir" PG_CONFIG="$PG_BIN/pg_config" "$@" install DESTDIR="$stage/pg" >>"$work/build.log" 2>&1 ||
    { tail -n 40 "$work/build.log" >&2; fail "building $(basename "$dir") failed (log above)"; }
}
step 2 "building pgvector $PGVECTOR_VERSION"
pgxs "$work/pgvector-$PGVECTOR_VERSION" OPTFLAGS=""
step 3 "building pg_cron $PGCRON_VERSION"
pgxs "$work/pg_cron-$PGCRON_VERSION"

step 4 "building DocumentDB $DOCUMENTDB_VERSION (the longest step: minutes)"
documentdb_src="$work/$DOCUMENTDB_DIR"
# Debian's Intel decimal library has no pkg-config file; DocumentDB looks for one.
mkdir -p "$work/pkgconfig"
cat >"$work/pkgconfig/intelmathlib.pc" <<PC
Name: intelmathlib
Description: Intel decimal floating-point math library (Debian libintelrdfpmath-dev)
Version: 2.0
Libs: -L/usr/lib/x86_64-linux-gnu -lbidgcc000
Cflags: -I/usr/include
PC
export PKG_CONFIG_PATH="$work/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
if [[ -f "$vendor_dir/documentdb-libbson-1.23.patch" ]] && ! pkg-config --atleast-version=1.25 libbson-1.0; then
  patch -d "$documentdb_src" -p1 -s <"$vendor_dir/documentdb-libbson-1.23.patch"
fi
# The composite-term op class (start-local-database.ts turns it on) refused a partial index
# whose filter is on its first key: the planner drops the clause the filter implies, and the
# cost estimate wanted a clause on that key. The patch lets the filter stand for the clause.
patch -d "$documentdb_src" -p1 -s <"$here/patches/documentdb-composite-partial-index.patch"
pgxs "$documentdb_src/pg_documentdb_core"
pgxs "$documentdb_src/pg_documentdb"

step 5 "building FerretDB $FERRETDB_VERSION"
mod_dir=$(go mod download -json "github.com/FerretDB/FerretDB/v2@$FERRETDB_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[[ -n "$mod_dir" && -d "$mod_dir" ]] || fail "go mod download of FerretDB $FERRETDB_VERSION failed"
cp -r "$mod_dir" "$work/ferretdb"
chmod -R u+w "$work/ferretdb"
# The module zip leaves out the generated version file the binary refuses to start without.
printf '%s' "$FERRETDB_VERSION" >"$work/ferretdb/build/version/version.txt"
# cmd/ferretdb defines setGOMAXPROCS only for toolchains before 1.25 (which set it themselves).
cat >"$work/ferretdb/cmd/ferretdb/gomaxprocs_go125.go" <<'GO'
//go:build go1.25

package main

import "log/slog"

// setGOMAXPROCS is a no-op: Go 1.25 and later size GOMAXPROCS from the container's limits.
func setGOMAXPROCS(*slog.Logger) {}
GO
# FerretDB passes PostgreSQL's own errors for two races through as InternalError (code 1):
# two upserts inserting one new unique key at once (exclusion_violation; MongoDB answers
# DuplicateKey, 11000, after which an upsert's retry updates the winner's document) and the
# deadlock PostgreSQL breaks between them (MongoDB's WriteConflict, 112, a transient error).
# Map both to MongoDB's codes so clients handle them as they would on MongoDB.
errors_go="$work/ferretdb/internal/mongoerrors/mongoerrors.go"
perl -0pi -e 's/(\tcase pgerrcode\.QueryCanceled:\n\t\tcode = ErrMaxTimeMSExpired\n)/$1\n\tcase pgerrcode.ExclusionViolation, pgerrcode.UniqueViolation:\n\t\tcode = ErrDuplicateKey\n\n\tcase pgerrcode.DeadlockDetected, pgerrcode.SerializationFailure:\n\t\tcode = Code(112) \/\/ WriteConflict\n/' "$errors_go"
grep -q 'Code(112)' "$errors_go" || fail "FerretDB $FERRETDB_VERSION source differs from what build.sh patches ($errors_go)"
# Concurrent writers that race for one new unique key (two upserts of a newcomer, two instances
# creating the same collection or indexes at start) make PostgreSQL answer the loser with a
# deadlock or an exclusion violation — DocumentDB's unique indexes are exclusion constraints —
# which FerretDB passes on. MongoDB settles these races itself (it retries such upserts, and
# identical index builds wait for each other). The failed call was rolled back whole, so calling
# it again is safe: retry update, findAndModify, create and createIndexes a few times.
handler="$work/ferretdb/internal/handler"
cat >"$handler/upsert_race.go" <<'GO'
package handler

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// upsertRaceAttempts bounds the calls of a write that keeps losing races.
const upsertRaceAttempts = 8

// upsertRace follows the attempts of one write through the races it loses.
type upsertRace struct {
	attempts  int
	exclusion error
}

// again reports whether to call the write again after it answered *err. When not, *err is the
// answer to give, which is the truth when the attempts ran out in deadlocks after an exclusion
// violation: the key exists (MongoDB's DuplicateKey, 11000), not a transient conflict.
//
//   - An exclusion violation (23P01) means the conflicting writer has committed, so one more
//     call at once sees its document (an upsert then updates it); a second means the document
//     exists and the write's filter does not match it: a genuine duplicate, answered as such.
//   - A deadlock or serialization failure (40P01, 40001) rolled back every writer that
//     collided; retrying at once would line them up to collide again, so each waits a random
//     time that doubles per attempt.
func (r *upsertRace) again(err *error) bool {
	var pg *pgconn.PgError
	if *err == nil || !errors.As(*err, &pg) {
		return false
	}
	r.attempts++
	switch pg.Code {
	case "23P01":
		first := r.exclusion == nil
		r.exclusion = *err
		return first && r.attempts < upsertRaceAttempts
	case "40P01", "40001":
		if r.attempts >= upsertRaceAttempts {
			if r.exclusion != nil {
				*err = r.exclusion
			}
			return false
		}
		time.Sleep(time.Duration(1+rand.IntN(1<<min(r.attempts, 6))) * time.Millisecond)
		return true
	default:
		return false
	}
}
GO
retried_calls=(
  'msg_update.go|res, _, err = documentdb_api.Update(connCtx, conn, h.L, dbName, spec, seq)'
  'msg_findandmodify.go|res, _, err = documentdb_api.FindAndModify(connCtx, conn, h.L, dbName, req.DocumentRaw())'
  'msg_createindexes.go|res, err = h.createIndexes(connCtx, conn, doc.Command(), dbName, req.DocumentRaw())'
  'msg_create.go|_, err = documentdb_api.CreateCollection(connCtx, conn, h.L, dbName, collectionName)'
)
for entry in "${retried_calls[@]}"; do
  file="$handler/${entry%%|*}"
  CALL="${entry#*|}" perl -0pi -e 's/\t\t\Q$ENV{CALL}\E\n\t\treturn err\n/\t\tvar race upsertRace\n\t\tfor {\n\t\t\t$ENV{CALL}\n\t\t\tif !race.again(&err) {\n\t\t\t\treturn err\n\t\t\t}\n\t\t}\n/' "$file"
  grep -q 'race.again' "$file" || fail "FerretDB $FERRETDB_VERSION source differs from what build.sh patches ($file)"
done
mkdir -p "$stage/bin"
(cd "$work/ferretdb" && GOFLAGS=-buildvcs=false GOTOOLCHAIN=local go build -trimpath -o "$stage/bin/ferretdb" ./cmd/ferretdb) \
  >>"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; fail "building FerretDB failed (log above)"; }

step 6 "installing into $engine_dir"
printf '%s\n' "$ENGINE_KEY" >"$stage/READY"
mkdir -p "$cache_dir"
rm -rf "$engine_dir"
mv "$stage" "$engine_dir"
say "built in $((SECONDS - started)) s"
printf '%s\n' "$engine_dir"
