#!/usr/bin/env bash
# The soak (issue 4; not part of verify): the server under a steady load for half an hour, its
# footprint sampled every 10 s, to show whether memory, threads or descriptors creep up.
#
#   bench/soak.sh                        # 30 minutes; the rate is measured first
#   DURATION=60 RATE=20000 bench/soak.sh # a one-minute trial at 20,000 lines/s
#
# It starts target/echo-server.jar itself, pooled + nio, on 127.0.0.1:$PORT (admin API on
# $ADMIN_PORT) with the JVM flags printed at the top, and stops that PID, and only that one, when
# it exits (trap). Then:
#   1. unless RATE is given: the maximum, an unpaced `bench -c 800 -d 10`; RATE = half its rps
#   2. for WARMUP + DURATION s, at once (each bounded by its own --duration and by `timeout`):
#      steady  bench -m echo    -c 800 --rate RATE        lines/s in total, long-lived connections
#      churn   bench -m connect -c 200 --rate CHURN_RATE  connect, one line, check, close; 200/s
#   3. from the end of the warm-up, every INTERVAL s, one row of $OUT/samples.csv:
#      elapsed_s            seconds since the load started (a first forced GC is made at once)
#      rss_kb, threads      VmRSS and Threads from /proc/PID/status, read right after the GC
#      fds                  entries of /proc/PID/fd
#      heap_after_gc_bytes  see heap_after_gc below: a full GC, then the used heap
#      server_lines         lines the server has echoed (actuator metric echo.lines), all so far
#      server_open          its open connections (echo.connections.active)
#      steady_rps, steady_errors, steady_mismatches, churn_cps, churn_errors, churn_mismatches
#                           the last progress line of each bench: its last second's rate and its
#                           errors and mismatches so far
#   4. the first and last samples, the least-squares slope per hour of rss, heap after GC, threads
#      and fds, and both benches' last lines, printed and written to $OUT/summary.txt. Exit code 1
#      when a bench failed or reported errors or mismatches.
#
# Env: DURATION (1800), RATE (measured), CHURN_RATE (200), WARMUP (5), INTERVAL (10),
#      STEADY_CONNS (800), CHURN_CONNS (200), PORT (7607), ADMIN_PORT (7608), JAVA (java),
#      JAVA_OPTS (-Xmx1g), BENCH_JAVA_OPTS (-Xmx256m), OUT (target/soak-DATE). Besides samples.csv
#      and summary.txt, OUT holds server.log, gc.log (-Xlog:gc), max.txt and each bench's output.
# Traffic goes to loopback only, and everything ends by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-1800}
RATE=${RATE:-}
# 200 cycles/s: the churn is a fifth of the connections, not a connect benchmark. Each cycle leaves
# a socket in TIME_WAIT for 60 s, 12,000 at a time, well inside the 28,000 ephemeral ports.
CHURN_RATE=${CHURN_RATE:-200}
WARMUP=${WARMUP:-5}
INTERVAL=${INTERVAL:-10}
STEADY_CONNS=${STEADY_CONNS:-800}
CHURN_CONNS=${CHURN_CONNS:-200}
PORT=${PORT:-7607}
ADMIN_PORT=${ADMIN_PORT:-7608}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xmx1g}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xmx256m}
OUT=${OUT:-target/soak-$(date +%Y%m%d-%H%M%S)}
JAR=target/echo-server.jar
SERVER_ARGS="--echo.mode=pooled --echo.io=nio --echo.pool.size=$(nproc) --echo.address=127.0.0.1 --echo.port=$PORT
 --server.port=$ADMIN_PORT --echo.max-connections=19000 --echo.backlog=4096 --echo.pool.queue-capacity=20000"
SERVER_ARGS=${SERVER_ARGS//$'\n'/}
# One line per collection, with its pause: the forced GCs of the samples show there too.
GC_LOG_OPTS="-Xlog:gc:file=$OUT/gc.log"

[ -f "$JAR" ] || { echo "missing $JAR: run ./mvnw -DskipTests package" >&2; exit 1; }
for port in "$PORT" "$ADMIN_PORT"; do
	if [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
		echo "port $port is in use: set PORT / ADMIN_PORT" >&2; exit 1
	fi
done
ulimit -n "$(ulimit -Hn)"
mkdir -p "$OUT"
CSV=$OUT/samples.csv
SUMMARY=$OUT/summary.txt

server=""
steady=""
churn=""
cleanup() {
	local pid
	for pid in $steady $churn; do
		kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
	done
	if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
		kill -TERM "$server" 2>/dev/null || true
		for _ in $(seq 1 150); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$server" 2>/dev/null && { echo "server $server did not stop on TERM: KILL" >&2; kill -KILL "$server"; }
		wait "$server" 2>/dev/null || true
	fi
}
trap cleanup EXIT

say() { echo "$*" | tee -a "$SUMMARY" >&2; }
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }

: >"$SUMMARY"
say "Soak of $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, $(uname -r); output in $OUT"
say "server: $JAVA $JAVA_OPTS $GC_LOG_OPTS -jar $JAR $SERVER_ARGS"

# --- the server -------------------------------------------------------------------------------
# shellcheck disable=SC2086
"$JAVA" $JAVA_OPTS "$GC_LOG_OPTS" -jar "$JAR" $SERVER_ARGS >"$OUT/server.log" 2>&1 &
server=$!
for _ in $(seq 1 1200); do
	grep -q "Echo server listening" "$OUT/server.log" && break
	kill -0 "$server" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q "Echo server listening" "$OUT/server.log"; then
	echo "the server did not start:" >&2; tail -n 20 "$OUT/server.log" >&2; exit 1
fi
say "server pid $server"

# --- the rate ---------------------------------------------------------------------------------
if [ -z "$RATE" ]; then
	# shellcheck disable=SC2086
	max_line=$(timeout 120 "$JAVA" $BENCH_JAVA_OPTS -jar "$JAR" bench -q -c "$STEADY_CONNS" -d 10 "127.0.0.1:$PORT" 2>/dev/null | tail -n 1 || true)
	echo "$max_line" >"$OUT/max.txt"
	max_rps=$(field "$max_line" rps)
	[ -n "$max_rps" ] || { echo "measuring the maximum failed: '$max_line'" >&2; exit 1; }
	RATE=$(awk -v r="$max_rps" 'BEGIN { printf "%d", r / 2 }')
	say "maximum: $max_rps lines/s unpaced with $STEADY_CONNS connections (errors $(field "$max_line" errors)); RATE = half = $RATE"
	[ "$RATE" -gt 0 ] || { echo "a maximum of $max_rps lines/s leaves no rate to soak at" >&2; exit 1; }
fi
STEADY_ARGS="-m echo -c $STEADY_CONNS --rate $RATE -w $WARMUP -d $DURATION"
CHURN_ARGS="-m connect -c $CHURN_CONNS --rate $CHURN_RATE -w $WARMUP -d $DURATION"
say "steady: bench $STEADY_ARGS 127.0.0.1:$PORT  ($RATE lines/s in total)"
say "churn:  bench $CHURN_ARGS 127.0.0.1:$PORT  ($CHURN_RATE connect cycles/s in total)"
say "bench JVM flags: $BENCH_JAVA_OPTS; sampling every $INTERVAL s from the end of the $WARMUP s warm-up for $DURATION s"

# --- the samples --------------------------------------------------------------------------------
# Heap after GC: `jcmd PID GC.run` (System.gc(): a full, stop-the-world collection) then the used
# heap of `jcmd PID GC.heap_info`, in one attach (-f). This is the live heap at every sample: what
# a leak would grow. The alternatives read garbage too: the actuator's jvm.memory.used is the heap
# at a random moment between collections (it saw-tooths with the allocation rate), and
# jvm.gc.live.data.size is only the old generation after the collections that happen to shrink it.
# The price, paid on purpose and every INTERVAL s: a full-GC pause (tens of ms at this heap size),
# which shows in the benches' tail latencies, and a jcmd JVM start (a few tenths of a CPU second).
heap_after_gc() {
	local commands
	commands=$(mktemp)
	printf 'GC.run\nGC.heap_info\n' >"$commands"
	# G1 (the default here) and ZGC print one heap line ("garbage-first heap total 1048576K, used
	# 40960K ..."); Serial and Parallel print one per generation, which are added up.
	timeout 30 jcmd "$server" -f "$commands" 2>/dev/null | awk '
		/heap/ && / used / { for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?$/, "", v); print v * 1024; found = 1; exit } }
		/(generation|Gen) +total/ { for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?$/, "", v); sum += v * 1024; gens = 1 } }
		END { if (!found && gens) print sum }' || true
	rm -f "$commands"
}
metric() { # the value of an actuator metric, as an integer
	curl -s --max-time 5 "http://127.0.0.1:$ADMIN_PORT/actuator/metrics/$1" 2>/dev/null \
		| grep -o '"value":[-0-9.eE+]*' | head -n 1 | cut -d: -f2 | awk '{ printf "%.0f", $1 }' || true
}
progress() { # FILE WORD : from the last progress line of a bench, the number after WORD
	grep -a '^\[' "$1" 2>/dev/null | tail -n 1 | awk -v w="$2" '{ for (i = 1; i < NF; i++) if ($i == w) { print $(i + 1); exit } }' || true
}
sample() { # ELAPSED
	local rss threads fds heap
	# The collection first: RSS read after it, every time, is not compared across a heap that G1
	# shrinks at the first full GC.
	heap=$(heap_after_gc)
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$server/status")
	threads=$(awk '/^Threads:/ { print $2 }' "/proc/$server/status")
	fds=$(find "/proc/$server/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	echo "$1,$rss,$threads,$fds,${heap:-},$(metric echo.lines),$(metric echo.connections.active),$(progress "$OUT/steady.err" replies/s),$(progress "$OUT/steady.err" errors),$(progress "$OUT/steady.err" mismatches),$(progress "$OUT/churn.err" replies/s),$(progress "$OUT/churn.err" errors),$(progress "$OUT/churn.err" mismatches)" >>"$CSV"
}

echo "elapsed_s,rss_kb,threads,fds,heap_after_gc_bytes,server_lines,server_open,steady_rps,steady_errors,steady_mismatches,churn_cps,churn_errors,churn_mismatches" >"$CSV"
bound=$((WARMUP + DURATION + 120))
# shellcheck disable=SC2086
timeout "$bound" "$JAVA" $BENCH_JAVA_OPTS -jar "$JAR" bench $STEADY_ARGS "127.0.0.1:$PORT" >"$OUT/steady.out" 2>"$OUT/steady.err" &
steady=$!
# shellcheck disable=SC2086
timeout "$bound" "$JAVA" $BENCH_JAVA_OPTS -jar "$JAR" bench $CHURN_ARGS "127.0.0.1:$PORT" >"$OUT/churn.out" 2>"$OUT/churn.err" &
churn=$!
# The benches' JVMs take a moment to start: the load begins with their first progress line.
for _ in $(seq 1 300); do
	grep -q '^\[' "$OUT/steady.err" 2>/dev/null && break
	kill -0 "$steady" 2>/dev/null || break
	sleep 0.1
done
start=$(( $(date +%s%N) - 1000000000 ))
# One forced GC before the first sample: G1 gives back the heap the warm-up grew at the first full
# GC, a while after it; otherwise the first RSS sample stands alone above all the others.
heap_after_gc >/dev/null
for ((at = WARMUP; at < WARMUP + DURATION; at += INTERVAL)); do
	now=$(date +%s%N)
	wait_ns=$(( start + at * 1000000000 - now ))
	if [ "$wait_ns" -gt 0 ]; then
		sleep "$(awk -v n="$wait_ns" 'BEGIN { printf "%.3f", n / 1e9 }')"
	fi
	if ! kill -0 "$steady" 2>/dev/null || ! kill -0 "$churn" 2>/dev/null; then
		echo "a bench ended early: sampling stops" >&2
		break
	fi
	sample "$at"
	if [ $(( (at - WARMUP) % 300 )) -eq 0 ]; then
		echo "  sample $(tail -n 1 "$CSV")" >&2
	fi
done
steady_rc=0; wait "$steady" || steady_rc=$?
churn_rc=0; wait "$churn" || churn_rc=$?
steady=""; churn=""

# --- the summary ------------------------------------------------------------------------------
say ""
say "samples: $(( $(wc -l <"$CSV") - 1 )) in $CSV"
say "first:   $(sed -n 2p "$CSV")"
say "last:    $(tail -n 1 "$CSV")"
# Least squares over (elapsed_s, value): slope = sum((x - mx)(y - my)) / sum((x - mx)^2), per hour.
awk -F, '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{ n++; x[n] = $1; for (k in want) y[k, n] = $(col[k]) }
	BEGIN { want["rss_kb"] = "kB"; want["heap_after_gc_bytes"] = "bytes"; want["threads"] = "threads"; want["fds"] = "fds" }
	END {
		if (n < 2) { print "slopes:  fewer than two samples"; exit }
		for (i = 1; i <= n; i++) mx += x[i] / n
		split("rss_kb heap_after_gc_bytes threads fds", order, " ")
		for (o = 1; o <= 4; o++) {
			k = order[o]; my = 0; sxy = 0; sxx = 0
			for (i = 1; i <= n; i++) my += y[k, i] / n
			for (i = 1; i <= n; i++) { sxy += (x[i] - mx) * (y[k, i] - my); sxx += (x[i] - mx) ^ 2 }
			printf "slope:   %-20s %+.1f %s/h (first %s, last %s, mean %.1f)\n", k, 3600 * sxy / sxx, want[k], y[k, 1], y[k, n], my
		}
	}' "$CSV" | tee -a "$SUMMARY" >&2
steady_line=$(tail -n 1 "$OUT/steady.out" 2>/dev/null || true)
churn_line=$(tail -n 1 "$OUT/churn.out" 2>/dev/null || true)
say "steady (exit $steady_rc): $steady_line"
say "churn  (exit $churn_rc): $churn_line"

failed=0
for name in steady churn; do
	line=${name}_line rc=${name}_rc
	errors=$(field "${!line}" errors)
	mismatches=$(field "${!line}" mismatches)
	if [ "${!rc}" -ne 0 ] || [ "${errors:-1}" != 0 ] || [ "${mismatches:-1}" != 0 ]; then
		say "FAILED: $name exit ${!rc}, errors ${errors:-?}, mismatches ${mismatches:-?} (see $OUT/$name.out)"
		failed=1
	fi
done
if [ "$failed" -eq 0 ]; then
	say "OK: no errors, no mismatches"
fi
exit "$failed"
