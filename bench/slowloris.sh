#!/usr/bin/env bash
# Latency of well-behaved clients with and without slowloris clients (issue 4 point 1): in each
# model, GOOD clients send lines at a fixed total RATE while, in alternate runs, SLOW other
# clients trickle one byte per second without ever ending a line. Prints p50/p99/p99.9 of the
# good clients, median over ROUNDS, for "alone" and "with slowloris", and their ratio.
#
#   ./mvnw -DskipTests package && bench/slowloris.sh > slowloris.md
#
# Env: MODELS ("nio per-connection virtual"), GOOD (100), RATE (20000 lines/s in total),
#      SLOW (1000), DUR (15 s measured), ROUNDS (3), JAVA (java), JAVA25 (a JDK 21+),
#      JAVA_OPTS (-Xmx1g), RAW (a directory for every bench output).
# The server binds 127.0.0.1 and is stopped by its PID; every bench run is bounded by
# --max-duration and `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."
MODELS=${MODELS:-"nio per-connection virtual"}
GOOD=${GOOD:-100}
RATE=${RATE:-20000}
SLOW=${SLOW:-1000}
DUR=${DUR:-15}
ROUNDS=${ROUNDS:-3}
JAVA=${JAVA:-java}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAVA_OPTS=${JAVA_OPTS:--Xmx1g}
RAW=${RAW:-$(mktemp -d)}
mkdir -p "$RAW"
JAR=$PWD/target/echo-server.jar
PORT=7620
[ -e "$JAR" ] || { echo "missing $JAR (./mvnw -DskipTests package)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"

field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

SPID=""
TPID=""
cleanup() {
	[ -n "$TPID" ] && kill "$TPID" 2>/dev/null || true
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null || true
}
trap cleanup EXIT

start_server() {
	local model=$1 log=$RAW/server-$1.log java=$JAVA
	# The default line timeout (30s) is longer than a run: no slow client is cut off while measuring.
	local args=(--echo.address=127.0.0.1 --echo.port="$PORT" --server.port=0 --echo.max-connections=5000
		--echo.backlog=4096)
	case $model in
		nio) args+=(--echo.mode=pooled --echo.io=nio --echo.pool.size=2 --echo.pool.queue-capacity=20000) ;;
		per-connection) args+=(--echo.mode=per-connection) ;;
		virtual) java=$JAVA25; args+=(--echo.mode=per-connection --echo.virtual-threads=true) ;;
		*) echo "unknown model $model" >&2; exit 2 ;;
	esac
	if ss -Hltn "sport = :$PORT" | grep -q .; then
		echo "port $PORT is in use" >&2; exit 1
	fi
	# shellcheck disable=SC2086
	"$java" $JAVA_OPTS -jar "$JAR" "${args[@]}" >"$log" 2>&1 &
	SPID=$!
	for _ in $(seq 1 600); do
		ss -Hltn "sport = :$PORT" | grep -q . && return
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "$model did not start on $PORT:" >&2; tail -n 5 "$log" >&2; exit 1
}

stop_server() {
	kill "$SPID" 2>/dev/null || true
	wait "$SPID" 2>/dev/null || true
	SPID=""
}

# established connections to the server's port, seen from the server side
established() { ss -Htn state established "sport = :$PORT" | wc -l; }

good_run() {
	local out=$1
	timeout $((DUR + 30)) "$JAVA" -jar "$JAR" bench -q -c "$GOOD" --rate "$RATE" -w 2 -d "$DUR" \
		--max-duration $((DUR + 20)) "127.0.0.1:$PORT" >"$out" 2>"$out.err" || true
	tail -n 1 "$out"
}

echo "# Good clients' latency with and without $SLOW slowloris clients"
echo
echo "$GOOD good connections at $RATE lines/s in total, $DUR s measured per run, median of $ROUNDS runs;"
echo "slowloris: $SLOW connections each sending one byte per second, never a newline. $(date -u +%FT%TZ), $(nproc) cores."
echo
echo "| model | case | rps | p50 µs | p99 µs | p99.9 µs | errors | slow conns open |"
echo "|---|---|---|---|---|---|---|---|"
for model in $MODELS; do
	start_server "$model"
	for round in $(seq 1 "$ROUNDS"); do
		for case in alone slowloris; do
			out=$RAW/$model-$case-$round.txt
			open=0
			if [ "$case" = slowloris ]; then
				timeout $((DUR + 60)) "$JAVA" -jar "$JAR" bench -q -m trickle -c "$SLOW" --interval 1000 \
					-d $((DUR + 20)) --max-duration $((DUR + 50)) "127.0.0.1:$PORT" >"$out.trickle" 2>&1 &
				TPID=$!
				for _ in $(seq 1 300); do
					[ "$(established)" -ge "$SLOW" ] && break
					sleep 0.1
				done
			fi
			line=$(good_run "$out")
			if [ "$case" = slowloris ]; then
				open=$(established)
				kill "$TPID" 2>/dev/null || true
				wait "$TPID" 2>/dev/null || true
				TPID=""
			fi
			echo "$model $case $(field "$line" rps) $(field "$line" p50_us) $(field "$line" p99_us) $(field "$line" p999_us) $(field "$line" errors) $open" >>"$RAW/rows.txt"
		done
	done
	stop_server
	for case in alone slowloris; do
		rows=$(grep "^$model $case " "$RAW/rows.txt")
		col() { awk -v c="$1" '{print $c}' <<<"$rows" | median; }
		echo "| $model | $case | $(col 3) | $(col 4) | $(col 5) | $(col 6) | $(col 7) | $(col 8) |"
	done
done
echo
echo "Raw outputs: $RAW"
