#!/usr/bin/env bash
# Runs the benchmarks behind bench/README.md and prints what the table needs:
# the machine, the Go benchmarks (wire side by side with the Node peer, and
# the background runner) as medians of COUNT runs via benchstat, and a
# hyperfine cross-check of start-up.
#
#   bench/run.sh                  COUNT=5, results in $OUT (/tmp/agentls-bench)
#   COUNT=10 OUT=results bench/run.sh
#
# Needs: go, node and npm (for the Node peer), hyperfine (apt-get install
# hyperfine) for the cross-check; benchstat is fetched with `go run`.
set -euo pipefail
cd "$(dirname "$0")"
count="${COUNT:-5}"
out="${OUT:-/tmp/agentls-bench}"
benchstat="golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

echo "== machine"
{
  echo "nproc: $(nproc)"
  lscpu | head -n 15
  free -m | head -n 2
  go version
  echo "node $(node --version 2>/dev/null || echo 'not installed')"
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

echo "== build"
# Installed with cp, as a package would be: a process started from the file
# exactly as the linker wrote it (through a memory map) gets nearly all of
# its text and read-only data mapped at once, ~14 MB more RSS than a copy.
go build -o "$out/agentls.built" ..
cp "$out/agentls.built" "$out/agentls"
ls -l "$out/agentls"
if command -v npm >/dev/null; then
  (cd node && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== wire benchmarks (agentls vs the Node peer), $count runs"
AGENTLS_BIN="$out/agentls" go test -run '^$' -bench 'ColdStart|RoundTrip|Notifications|Memory' \
  -count "$count" -timeout 30m . | tee "$out/wire.txt"

echo "== background runner, $count runs"
go test -run '^$' -bench 'Runner' -count "$count" -timeout 30m . | tee "$out/runner.txt"

echo "== medians"
go run "$benchstat" "$out/wire.txt" | tee "$out/wire-medians.txt"
go run "$benchstat" "$out/runner.txt" | tee "$out/runner-medians.txt"

if command -v hyperfine >/dev/null; then
  echo "== start-up cross-check (hyperfine)"
  # A workspace and an initialize frame: agentls answers it, reads EOF and
  # exits, so one run is spawn + initialize + exit.
  ws="$out/ws"
  mkdir -p "$ws"
  echo '{"conversations":[]}' >"$ws/script.json"
  body="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"rootUri\":\"file://$ws\",\"initializationOptions\":{\"model\":{\"provider\":\"script\",\"script\":\"script.json\"},\"dataDir\":\"$ws/data\"}}}"
  printf 'Content-Length: %d\r\n\r\n%s' "${#body}" "$body" >"$out/initialize.frame"
  hyperfine -N --warmup 3 --runs 30 --export-markdown "$out/hyperfine-bare.md" \
    "$out/agentls --version" "node -e ''"
  # -i: without shutdown, agentls exits with 1 at EOF, as the protocol says.
  hyperfine -i --warmup 3 --runs 30 --export-markdown "$out/hyperfine-initialize.md" \
    "$out/agentls < $out/initialize.frame"
fi
if command -v hyperfine >/dev/null; then
  echo "== start-up floor: programs that only link what agentls links (bench/floor)"
  for f in empty nethttp anthropic openai sdks; do
    go build -o "$out/floor-$f" "./floor/$f"
  done
  CGO_ENABLED=0 go build -o "$out/agentls-nocgo.built" ..
  cp "$out/agentls-nocgo.built" "$out/agentls-nocgo"
  hyperfine -N --warmup 5 --runs 40 --export-markdown "$out/hyperfine-floor.md" \
    "$out/floor-empty" "$out/floor-nethttp" "$out/floor-anthropic" "$out/floor-openai" \
    "$out/floor-sdks" "$out/agentls-nocgo --version" "$out/agentls --version"
fi
echo "results in $out"
