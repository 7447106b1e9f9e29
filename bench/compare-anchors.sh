#!/usr/bin/env bash
# Our server against the anchors, case by case, with the anchors' own load generator: each case
# runs ours and the anchor alternately (A B A B ...), each run on a fresh server process, and
# prints the medians and their ratio. Only ratios within one run mean anything on a shared
# 2-core machine.
#
#   bench/compare-anchors.sh [ANCHORS_DIR] > comparison.md
#
# ANCHORS_DIR: a writable, built copy of ../shared/anchors (default /tmp/anchors):
#   cp -r ../shared/anchors /tmp/anchors && make -C /tmp/anchors
# Env: ROUNDS (2), DUR (10), ROWS (all: "nio100 nio1000 virtual1000 pooled8 single1 churn hold10k hold19k"),
#      JAVA (java), JAVA25 (a JDK 21+), JAVA_OPTS (-Xmx1g, the same for both Java servers),
#      NIO_ARGS (our pooled+nio settings), RAW (a directory for every loadgen output).
# Servers bind 127.0.0.1 and are stopped by their PID; every loadgen run is bounded by `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."
ANCHORS=$(cd "${1:-/tmp/anchors}" && pwd)
ROUNDS=${ROUNDS:-2}
DUR=${DUR:-10}
ROWS=${ROWS:-"nio100 nio1000 virtual1000 pooled8 single1 churn hold10k hold19k"}
JAVA=${JAVA:-java}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAVA_OPTS=${JAVA_OPTS:--Xmx1g}
NIO_ARGS=${NIO_ARGS:-"--echo.mode=pooled --echo.io=nio --echo.pool.size=2 --echo.pool.queue-capacity=20000"}
RAW=${RAW:-$(mktemp -d)}
mkdir -p "$RAW"
JAR=$PWD/target/echo-server.jar
LG=$ANCHORS/bin/loadgen
NETTY=$ANCHORS/netty-echo/target/netty-echo-all.jar
PORT=7600
for f in "$JAR" "$LG" "$ANCHORS/bin/seed_pool_echo" "$NETTY"; do
	[ -e "$f" ] || { echo "missing $f (build the jar and the anchors first)" >&2; exit 1; }
done
ulimit -n "$(ulimit -Hn)"

field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# start_server KIND PIN: starts the server on $PORT (its own PID in SPID, no wrapper shell)
start_server() {
	local kind=$1 pin=$2 log=$RAW/server-$PORT.log
	# Ours: loopback like the anchors, admin HTTP on any free port, room for 19,000 connections,
	# and the anchors' listen backlog (4096): with the default 128 a burst of connects waits for SYN retransmits.
	local ours=(--echo.address=127.0.0.1 --echo.port="$PORT" --server.port=0 --echo.max-connections=19500 --echo.backlog=4096)
	local cmd=()
	case $kind in
		# shellcheck disable=SC2206
		ours-nio) cmd=("$JAVA" $JAVA_OPTS -jar "$JAR" $NIO_ARGS "${ours[@]}") ;;
		# shellcheck disable=SC2206
		ours-virtual) cmd=("$JAVA25" $JAVA_OPTS -jar "$JAR" --echo.mode=per-connection --echo.virtual-threads=true "${ours[@]}") ;;
		# shellcheck disable=SC2206
		ours-pooled8) cmd=("$JAVA" $JAVA_OPTS -jar "$JAR" --echo.mode=pooled --echo.pool.size=8 "${ours[@]}") ;;
		# shellcheck disable=SC2206
		ours-single) cmd=("$JAVA" $JAVA_OPTS -jar "$JAR" --echo.mode=single "${ours[@]}") ;;
		# shellcheck disable=SC2206
		netty) cmd=("$JAVA" $JAVA_OPTS -jar "$NETTY" "$PORT" -t 2) ;;
		# shellcheck disable=SC2206
		netty-25) cmd=("$JAVA25" $JAVA_OPTS -jar "$NETTY" "$PORT" -t 2) ;;
		seed-pool8) cmd=("$ANCHORS/bin/seed_pool_echo" "$PORT" -n 8 -m pool) ;;
		seed-single) cmd=("$ANCHORS/bin/seed_pool_echo" "$PORT" -m single) ;;
		*) echo "unknown server $kind" >&2; exit 2 ;;
	esac
	if ss -Hltn "sport = :$PORT" | grep -q .; then
		echo "port $PORT is in use" >&2; exit 1
	fi
	if [ -n "$pin" ]; then
		taskset -c "$pin" "${cmd[@]}" >"$log" 2>&1 &
	else
		"${cmd[@]}" >"$log" 2>&1 &
	fi
	SPID=$!
	for _ in $(seq 1 600); do
		ss -Hltn "sport = :$PORT" | grep -q . && return
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "$kind did not start on $PORT:" >&2; tail -n 5 "$log" >&2
}

stop_server() {
	kill -TERM "$SPID" 2>/dev/null || true
	for _ in $(seq 1 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$SPID" 2>/dev/null || true
	wait "$SPID" 2>/dev/null || true
}

# measure KIND PIN LOADGEN_ARGS...: one fresh server, one loadgen run; its summary line in LAST
measure() {
	local kind=$1 pin=$2; shift 2
	PORT=$((PORT + 1))
	start_server "$kind" "$pin"
	local out=$RAW/$kind-$PORT.txt
	if [ -n "$pin" ]; then
		timeout $((DUR + 120)) taskset -c "$pin" "$LG" -P "$SPID" "$@" 127.0.0.1 "$PORT" >"$out" 2>&1 || true
	else
		timeout $((DUR + 120)) "$LG" -P "$SPID" "$@" 127.0.0.1 "$PORT" >"$out" 2>&1 || true
	fi
	stop_server
	LAST=$(tail -n 1 "$out")
}

# row TITLE OURS ANCHOR PIN KEYS LOADGEN_ARGS...: A B A B, then medians and ratios for each key
row() {
	local title=$1 ours=$2 anchor=$3 pin=$4 keys=$5; shift 5
	local -a a=() b=()
	for _ in $(seq 1 "$ROUNDS"); do
		measure "$ours" "$pin" "$@"
		a+=("$LAST")
		measure "$anchor" "$pin" "$@"
		b+=("$LAST")
	done
	local cells="" key va vb ratio
	for key in $keys; do
		va=$(for l in "${a[@]}"; do field "$l" "$key"; done | median)
		vb=$(for l in "${b[@]}"; do field "$l" "$key"; done | median)
		ratio=$(awk -v x="$va" -v y="$vb" 'BEGIN { if (y + 0 == 0) print "n/a"; else printf "%.2f", x / y }')
		cells="$cells $key: $va vs $vb (**$ratio x**);"
	done
	local checks="" l
	for l in "${a[@]}"; do
		local answered
		answered=$(field "$l" answered_final)
		[ -z "$answered" ] && answered=$(field "$l" conns_with_reply)
		checks="$checks $answered/$(field "$l" conns) answered, $(field "$l" errors) err, $(field "$l" mismatches) mism;"
	done
	echo "| $title | $ours vs $anchor |$cells | ours:$checks |"
}

echo "Comparison of $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $ROUNDS rounds A B A B, $DUR s each; JVM flags $JAVA_OPTS; our pooled+nio: $NIO_ARGS"
echo
echo "| case | servers | medians, ours vs anchor (ratio) | checks (each run of ours) |"
echo "|---|---|---|---|"
for r in $ROWS; do
	case $r in
		nio100) row "pooled+nio, 100 conns" ours-nio netty "" "rps p99_us" -q -c 100 -w 2 -d "$DUR" ;;
		nio1000) row "pooled+nio, 1,000 conns" ours-nio netty "" "rps p99_us" -q -c 1000 -w 2 -d "$DUR" ;;
		virtual1000) row "per-connection+virtual (Java 25), 1,000 conns" ours-virtual netty-25 "" "rps p99_us" -q -c 1000 -w 2 -d "$DUR" ;;
		pooled8) row "pooled+blocking (8), 8 conns" ours-pooled8 seed-pool8 "" "rps p99_us" -q -c 8 -w 2 -d "$DUR" ;;
		single1) row "single+blocking, 1 conn, pinned to CPU 0" ours-single seed-single 0 "rps p99_us" -q -c 1 -w 2 -d "$DUR" ;;
		churn) row "churn, 8 loops (pooled+nio)" ours-nio netty "" "cps p99_us" -q -m connect -c 8 -w 1 -d "$DUR" -B 16 ;;
		hold10k) row "10,000 idle held (pooled+nio)" ours-nio netty "" "answered_final srv_rss_kb srv_threads" -q -m hold -c 10000 -d "$DUR" ;;
		hold19k) row "19,000 idle held (pooled+nio)" ours-nio netty "" "answered_final srv_rss_kb srv_threads" -q -m hold -c 19000 -d "$DUR" -R 90 ;;
	esac
done
echo
echo "Raw loadgen output: $RAW"
