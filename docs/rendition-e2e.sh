#!/usr/bin/env bash
# Uploads an image to a fresh server (the given binary, on a loopback port the
# system chooses) and times, run by run, the upload and then the wait until
# its three renditions are ready, polling every 20 ms. Needs curl, jq, bc.
# Usage: docs/rendition-e2e.sh ./atrium IMAGE [RUNS]
set -euo pipefail
bin=$1; img=$2; runs=${3:-5}
d=$(mktemp -d)
ATRIUM_BOOTSTRAP_PASSWORD='correct horse battery' "$bin" serve --data "$d/db" --addr 127.0.0.1:0 >"$d/log" 2>&1 &
pid=$!
trap 'kill $pid; wait $pid 2>/dev/null; rm -rf "$d"' EXIT
for _ in $(seq 100); do grep -q 'msg=serving' "$d/log" && break; sleep 0.1; done
A=http://$(grep -o 'msg=serving addr=[^ ]*' "$d/log" | cut -d= -f3)
jar=$d/jar
CSRF=$(curl -sf -c "$jar" "$A/api/v1/auth/login" -H 'Content-Type: application/json' -d '{"login":"owner","password":"correct horse battery"}' | jq -r .csrf_token)
TOKEN=$(curl -sf -b "$jar" "$A/api/v1/tokens" -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d '{"name":"e2e"}' | jq -r .token)
api() { curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }
WS=$(api "$A/api/v1/workspaces" -d '{"name":"Bench"}' | jq -r .id)
REC=$(api "$A/api/v1/records" -d "{\"workspace\":\"$WS\",\"title\":\"Bench\"}" | jq -r .id)
for r in $(seq "$runs"); do
  t0=$(date +%s.%N)
  MED=$(curl -sf -H "Authorization: Bearer $TOKEN" -F "file=@$img" "$A/api/v1/records/$REC/files" | jq -r .media.id)
  t1=$(date +%s.%N)
  while [ "$(api "$A/api/v1/media/$MED" | jq -r '[.renditions[].status] | join(",")')" != "ready,ready,ready" ]; do sleep 0.02; done
  t2=$(date +%s.%N)
  printf 'run %d: upload %.3f s, upload to ready %.3f s, total %.3f s\n' "$r" "$(echo "$t1-$t0" | bc)" "$(echo "$t2-$t1" | bc)" "$(echo "$t2-$t0" | bc)"
done
