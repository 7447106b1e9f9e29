#!/usr/bin/env bash
# The standard benchmark: every model of the server, then any server you name, under the same
# cases, one table.
#
#   bench/sweep.sh [host:port ...]
#
# For each model (mode x io) it starts target/echo-server.jar on 127.0.0.1:$PORT with the JVM
# flags printed at the top, runs the cases, and stops it by its PID. Then it runs the same cases
# against each host:port given (a server you started yourself, e.g. an anchor from
# ../shared/anchors); when that port is local, the server's PID is found with `ss` so that its
# RSS and threads are reported too.
#
# Cases (16-byte lines, closed loop: one line in flight per connection):
#   c1, c100, c1000, c10000   that many connections, WARMUP + DUR seconds
#   churn                     8 parallel loops of connect, one line, check, close
#   hold                      10,000 connections opened, checked, held idle DUR s, checked again
# The server's VmRSS and Threads are sampled from /proc every 0.5 s during each case; the table
# shows the peak.
#
# Env: MODELS (default: all six), CASES ("c1 c100 c1000 c10000 churn hold"), DUR (10),
#      WARMUP (2), PORT (7507), JAVA (java), JAVA25 (a JDK 21+ for virtual threads),
#      JAVA_OPTS (-Xmx1g), OUT (bench/results/sweep-DATE: writes OUT.md and OUT.csv),
#      CLIENT: "bench" (default, the jar's own load client) or the path of the anchors' loadgen.
# Traffic goes to loopback only; every client run is bounded by `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."

MODELS=${MODELS:-"pooled-blocking pooled-nio single-blocking single-nio per-connection per-connection-virtual"}
CASES=${CASES:-"c1 c100 c1000 c10000 churn hold"}
DUR=${DUR:-10}
WARMUP=${WARMUP:-2}
PORT=${PORT:-7507}
JAVA=${JAVA:-java}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAVA_OPTS=${JAVA_OPTS:--Xmx1g}
CLIENT=${CLIENT:-bench}
OUT=${OUT:-bench/results/sweep-$(date +%Y%m%d-%H%M%S)}
JAR=target/echo-server.jar
HOLD_CONNS=${HOLD_CONNS:-10000}

[ -f "$JAR" ] || { echo "missing $JAR: run ./mvnw -DskipTests package" >&2; exit 1; }
# 10,000 connections need 10,000 descriptors on each side; raise the soft limit as far as allowed.
ulimit -n "$(ulimit -Hn)"
mkdir -p "$(dirname "$OUT")"

# --- the load client --------------------------------------------------------------------
# run_client HOST PORT ARGS... : prints the client's last line (key=value pairs)
run_client() {
	local host=$1 port=$2; shift 2
	local bound=$((WARMUP + DUR + 90))
	if [ "$CLIENT" = bench ]; then
		timeout "$bound" "$JAVA" -jar "$JAR" bench -q "$@" "$host:$port" 2>/dev/null | tail -n 1 || true
	else
		timeout "$bound" "$CLIENT" -q "$@" "$host" "$port" 2>/dev/null | tail -n 1 || true
	fi
}

case_args() {
	case $1 in
		c1) echo "-c 1 -w $WARMUP -d $DUR" ;;
		c100) echo "-c 100 -w $WARMUP -d $DUR" ;;
		c1000) echo "-c 1000 -w $WARMUP -d $DUR" ;;
		c10000) echo "-c 10000 -w $WARMUP -d $DUR" ;;
		churn) echo "-m connect -c 8 -w 1 -d $DUR" ;;
		hold) echo "-m hold -c $HOLD_CONNS -d $DUR" ;;
		*) echo "unknown case $1" >&2; exit 2 ;;
	esac
}

field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1; }

# --- /proc sampling of the server ---------------------------------------------------------
sample_peak() { # PID FILE: writes "rss_kb threads" peaks until the PID's sampler is killed
	local pid=$1 file=$2 rss=0 threads=0 r t
	while kill -0 "$pid" 2>/dev/null; do
		r=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
		t=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
		[ "${r:-0}" -gt "$rss" ] && rss=$r
		[ "${t:-0}" -gt "$threads" ] && threads=$t
		echo "$rss $threads" >"$file"
		sleep 0.5
	done
}

echo "server,case,rate,p50_us,p99_us,p999_us,conns_with_reply,errors,mismatches,srv_rss_mb,srv_threads" >"$OUT.csv"
{
	echo "Sweep of $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores; client: $CLIENT; JVM flags: $JAVA_OPTS; server args besides the model: --echo.backlog=4096 --echo.max-connections=19000;"
	echo "cases $CASES; $DUR s measured (+ $WARMUP s warm-up); rate = replies/s, or connections/s for churn."
	echo
	echo "| server | case | rate | p50 µs | p99 µs | p99.9 µs | conns answered | errors | mismatches | peak RSS MB | peak threads |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
} >"$OUT.md"

run_cases() { # NAME HOST PORT PID(or empty)
	local name=$1 host=$2 port=$3 pid=$4 c line rate peak rss threads sampler
	for c in $CASES; do
		peak=$(mktemp)
		echo "0 0" >"$peak"
		sampler=""
		if [ -n "$pid" ]; then
			sample_peak "$pid" "$peak" &
			sampler=$!
		fi
		# shellcheck disable=SC2046
		line=$(run_client "$host" "$port" $(case_args "$c"))
		[ -n "$sampler" ] && { kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; }
		read -r rss threads <"$peak"
		rm -f "$peak"
		rate=$(field "$line" rps)
		[ -z "$rate" ] && rate=$(field "$line" cps)
		local answered
		answered="$(field "$line" conns_with_reply)"
		[ "$c" = hold ] && answered="$(field "$line" answered_final)"
		local row=("$name" "$c" "${rate:-n/a}" "$(field "$line" p50_us)" "$(field "$line" p99_us)"
			"$(field "$line" p999_us)" "${answered:-n/a}" "$(field "$line" errors)" "$(field "$line" mismatches)"
			"$(( ${rss:-0} / 1024 ))" "${threads:-0}")
		(IFS=,; echo "${row[*]}") >>"$OUT.csv"
		(IFS='|'; echo "|${row[*]}|") | sed 's/|/ | /g; s/^ //; s/ $//' >>"$OUT.md"
		echo "  $name $c: ${rate:-no result} (${line:0:60}...)" >&2
	done
}

# --- our server, model by model -------------------------------------------------------------
model_args() {
	case $1 in
		pooled-blocking) echo "--echo.mode=pooled --echo.io=blocking" ;;
		pooled-nio) echo "--echo.mode=pooled --echo.io=nio --echo.pool.size=$(nproc)" ;;
		single-blocking) echo "--echo.mode=single --echo.io=blocking" ;;
		single-nio) echo "--echo.mode=single --echo.io=nio" ;;
		per-connection) echo "--echo.mode=per-connection --echo.io=blocking" ;;
		per-connection-virtual) echo "--echo.mode=per-connection --echo.io=blocking --echo.virtual-threads=true" ;;
		*) echo "unknown model $1" >&2; exit 2 ;;
	esac
}

for model in $MODELS; do
	java_cmd=$JAVA
	if [ "$model" = per-connection-virtual ]; then
		[ -x "$JAVA25" ] || { echo "skipping $model: no JDK 21+ at $JAVA25" >&2; continue; }
		java_cmd=$JAVA25
	fi
	log=$(mktemp)
	# shellcheck disable=SC2046,SC2086
	"$java_cmd" $JAVA_OPTS -jar "$JAR" $(model_args "$model") --echo.address=127.0.0.1 --echo.port="$PORT" \
		--server.port=0 --echo.max-connections=19000 --echo.backlog=4096 >"$log" 2>&1 &
	server=$!
	for _ in $(seq 1 600); do
		grep -q "Echo server listening" "$log" && break
		kill -0 "$server" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q "Echo server listening" "$log"; then
		echo "$model did not start:" >&2; tail -n 20 "$log" >&2
		kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"; continue
	fi
	echo "$model (pid $server): $JAVA_OPTS $(model_args "$model")" >&2
	run_cases "echo-server $model" 127.0.0.1 "$PORT" "$server"
	kill -TERM "$server"
	wait "$server" 2>/dev/null || true
	rm -f "$log"
done

# --- the servers you named ------------------------------------------------------------------
for target in "$@"; do
	host=${target%:*}
	port=${target##*:}
	pid=""
	case $host in
		127.*|localhost) pid=$(ss -Hltnp "sport = :$port" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1) ;;
	esac
	echo "$target${pid:+ (pid $pid)}" >&2
	run_cases "$target" "$host" "$port" "$pid"
done

echo "Wrote $OUT.md and $OUT.csv" >&2
cat "$OUT.md"
