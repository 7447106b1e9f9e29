#!/usr/bin/env bash
# First look at each model: startup time, threads and RSS with 100 idle clients, and replies/s of
# 100 clients for 10 s, measured with the anchors' loadgen (../shared/anchors, built by `make`).
#
#   bench/first-look.sh [ANCHORS_DIR] > first-look.md
#
# ANCHORS_DIR is a writable, built copy of ../shared/anchors (default /tmp/anchors:
#   cp -r ../shared/anchors /tmp/anchors && make -C /tmp/anchors c).
# Starts target/echo-server.jar once per model on 127.0.0.1:PORT (default 7407), stops it by its
# PID. Traffic stays on loopback and every loadgen run is bounded by `timeout`.
# Env: PORT, JAVA (java), JAVA25 (a JDK 21+ for virtual threads; skipped when missing),
# JAVA_OPTS (-Xmx1g), DUR (10).
set -euo pipefail
cd "$(dirname "$0")/.."
ANCHORS=${1:-/tmp/anchors}
LG=$ANCHORS/bin/loadgen
PORT=${PORT:-7407}
JAVA=${JAVA:-java}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAVA_OPTS=${JAVA_OPTS:--Xmx1g}
DUR=${DUR:-10}
JAR=target/echo-server.jar
[ -x "$LG" ] || { echo "missing $LG: build the anchors first" >&2; exit 1; }
[ -f "$JAR" ] || { echo "missing $JAR: ./mvnw -DskipTests package" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"

field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

run_model() { # name java args...
	local name=$1 java=$2; shift 2
	local log; log=$(mktemp)
	local t0; t0=$(date +%s%N)
	# shellcheck disable=SC2086
	"$java" $JAVA_OPTS -jar "$JAR" --echo.address=127.0.0.1 --echo.port="$PORT" --server.port=0 \
		--echo.idle-timeout=0 "$@" >"$log" 2>&1 &
	local pid=$!
	local up=""
	for _ in $(seq 1 300); do
		if grep -q "Echo server listening" "$log"; then up=1; break; fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	local startup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	if [ -z "$up" ]; then
		echo "| $name | failed to start: $(grep -m1 -E 'Invalid|Cannot|Error' "$log" || true) | | | | |"
		kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"; return
	fi
	local hold echo_
	hold=$(timeout 60 "$LG" -q -m hold -c 100 -d 3 -P "$pid" 127.0.0.1 "$PORT" | tail -n 1)
	echo_=$(timeout $((DUR + 40)) "$LG" -q -c 100 -w 2 -d "$DUR" -P "$pid" 127.0.0.1 "$PORT" | tail -n 1)
	kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
	echo "| $name | $startup_ms | $(field "$hold" srv_threads) | $(( $(field "$hold" srv_rss_kb) / 1024 )) | $(field "$echo_" rps) | $(field "$echo_" conns_with_reply)/100 | $(field "$echo_" p99_us) | $(field "$echo_" errors) | $(field "$echo_" mismatches) |"
	rm -f "$log"
}

echo "| model | startup ms | threads, 100 idle | RSS MB, 100 idle | replies/s, 100 conns | conns answered | p99 µs | errors | mismatches |"
echo "|---|---|---|---|---|---|---|---|---|"
run_model "pooled + blocking (8)" "$JAVA" --echo.mode=pooled --echo.io=blocking
run_model "pooled + nio (2)" "$JAVA" --echo.mode=pooled --echo.io=nio --echo.pool.size=2
run_model "single + blocking" "$JAVA" --echo.mode=single --echo.io=blocking
run_model "single + nio" "$JAVA" --echo.mode=single --echo.io=nio
run_model "per-connection + blocking" "$JAVA" --echo.mode=per-connection --echo.io=blocking
if [ -x "$JAVA25" ]; then
	run_model "per-connection + virtual threads (Java 25)" "$JAVA25" --echo.mode=per-connection --echo.virtual-threads=true
fi
