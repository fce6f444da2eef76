#!/usr/bin/env bash
# Starts mongo-java-server (in memory) on 127.0.0.1:${1:-27018} for a benchmark comparison:
#   bash bench/mongo-java-server/start.sh 27018 &
#   npm run bench -- --mongodb-uri=mongodb://127.0.0.1:27018/fanhook_bench
# Needs Java 17 and Maven (fetches the jars once into ~/.cache/fanhook/mongo-java-server).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lib="${FANHOOK_CACHE_DIR:-$HOME/.cache/fanhook}/mongo-java-server"
if [ ! -f "$lib/mongo-java-server-1.46.0.jar" ]; then
  mvn -q -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib"
fi
exec java -Xmx4g -cp "$lib/*" "$here/Launcher.java" "${1:-27018}"
