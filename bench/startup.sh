#!/usr/bin/env bash
# How long the server takes to start, which is also what a worker of the multi-process model
# costs to replace without a standby: from launching `java -jar` to the moment it serves.
#
#   ./mvnw -DskipTests package && bench/startup.sh
#
# Alternates, ROUNDS times (default 3), each on a fresh process on loopback:
#   single     `java -jar`, echo.processes 1: until the echo port accepts a connection;
#   supervisor echo.processes 2: until it logs that every worker listens, then until its
#              standby worker is ready.
# Prints each run and the medians. Env: ROUNDS, JAVA (java), JAVA_OPTS (-Xmx1g), ARGS (more
# server arguments, e.g. "--echo.io=nio"). Servers are stopped by their PID.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xmx1g}
ARGS=${ARGS:-}
JAR=$PWD/target/echo-server.jar
[ -e "$JAR" ] || { echo "missing $JAR (./mvnw -DskipTests package)" >&2; exit 1; }
LOGS=$(mktemp -d)
PORT=7700
SPID=""
stop() {
	[ -n "$SPID" ] || return 0
	kill -TERM "$SPID" 2>/dev/null || true
	for _ in $(seq 1 300); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$SPID" 2>/dev/null || true
	wait "$SPID" 2>/dev/null || true
	SPID=""
}
trap stop EXIT
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# start KIND LOG: launch one server (its PID in SPID) and note the time in T0
start() {
	local kind=$1 log=$2 extra=()
	PORT=$((PORT + 1))
	[ "$kind" = supervisor ] && extra=(--echo.processes=2)
	T0=$(now)
	# JAVA_OPTS and ARGS are split into words on purpose.
	# shellcheck disable=SC2086
	"$JAVA" $JAVA_OPTS -jar "$JAR" --echo.address=127.0.0.1 --echo.port="$PORT" --server.port=0 "${extra[@]}" $ARGS \
		>"$log" 2>&1 &
	SPID=$!
}

# wait_for WHAT...: poll every 20 ms (at most 3 minutes) until the condition holds; the time in T1
wait_for() {
	for _ in $(seq 1 9000); do
		if "$@"; then T1=$(now); return 0; fi
		kill -0 "$SPID" 2>/dev/null || { echo "server $SPID ended" >&2; return 1; }
		sleep 0.02
	done
	echo "timed out: $*" >&2; return 1
}
accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
logged() { grep -q "$1" "$LOG"; }

single=() all=() standby=()
for round in $(seq 1 "$ROUNDS"); do
	LOG=$LOGS/single-$round.log
	start single "$LOG"
	wait_for accepts
	single+=("$(ms "$T0" "$T1")")
	stop
	LOG=$LOGS/supervisor-$round.log
	start supervisor "$LOG"
	wait_for logged "with 2 worker processes"
	all+=("$(ms "$T0" "$T1")")
	wait_for logged "Standby worker ready"
	standby+=("$(ms "$T0" "$T1")")
	stop
	echo "round $round: single ${single[-1]} ms; supervisor, both workers listening ${all[-1]} ms," \
		"standby ready ${standby[-1]} ms"
done
echo
echo "median of $ROUNDS (ms from launch): single process accepting $(printf '%s\n' "${single[@]}" | median);" \
	"supervisor with 2 workers listening $(printf '%s\n' "${all[@]}" | median);" \
	"its standby ready $(printf '%s\n' "${standby[@]}" | median). Logs: $LOGS"
