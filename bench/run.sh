#!/usr/bin/env bash
# Passthrough benchmark of genai-collector: OTLP/gRPC in, no processors (or
# only batch), OTLP/gRPC out to gc_loadgen's sink. For each profile and load
# (flat out, then each --rate), a fresh sink and daemon are started, the load
# generator runs for --duration after a warm-up, and the table reports:
#   spans/s        acknowledged by the daemon over the measured window
#   CPU-s/Mspan    daemon utime+stime (from /proc/PID/stat, sampled by
#                  gc_loadgen at the window's edges) per million spans;
#                  numerically the same as us of CPU per span
#   p50/p99        Export latency seen by the client, per request
#   RSS            daemon peak resident set (VmHWM) over the whole scenario
#   ctxsw/req      daemon context switches, all threads, per Export request
#   delivered      spans the sink received vs spans the daemon acknowledged,
#                  and whether their content digests match (passthrough must
#                  re-emit every span byte for byte)
# and, from the same run, gc_floor: protobuf-c unpack+pack of the same
# payloads with the default allocator and with the batch arena, and a wire
# walk, so the daemon's cost reads as a multiple of the floor.
# With --runs N every figure is the median of N runs.
#
# --pii runs only gc_pii_bench instead: pii_redact's engine on one core, in
# MB/s of prompt-like text (clean, PII-dense, and a gen_ai.input.messages
# document), the median of --runs runs (5 unless --runs is given).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${GC_BENCH_BUILD_DIR:-$ROOT/build}
DURATION=${GC_BENCH_DURATION:-10s}
WARMUP=${GC_BENCH_WARMUP:-1s}
RATES=${GC_BENCH_RATE:-}
STREAMS=${GC_BENCH_STREAMS:-8}
THREADS=${GC_BENCH_THREADS:-1}
SPANS_PER_REQUEST=${GC_BENCH_SPANS_PER_REQUEST:-100}
RUNS=${GC_BENCH_RUNS:-1}
PROFILES=${GC_BENCH_PROFILES:-metadata content}
FLOOR_SECONDS=${GC_BENCH_FLOOR_SECONDS:-3}
COMPRESSION=${GC_BENCH_EXPORTER_COMPRESSION:-none}
WITH_BATCH=${GC_BENCH_WITH_BATCH:-0}
EXPORTER_BATCH=${GC_BENCH_EXPORTER_BATCH:-0}
PROCESSORS=${GC_BENCH_PROCESSORS:-}
PII=${GC_BENCH_PII:-0}
PII_ARGS=${GC_BENCH_PII_ARGS:-}
RUNS_SET=${GC_BENCH_RUNS:+1}
DO_BUILD=1
KEEP=0

usage() {
	cat <<EOF
usage: bash bench/run.sh [options]
  --duration 10s          measured window per scenario      (GC_BENCH_DURATION)
  --warmup 1s             load before the window opens      (GC_BENCH_WARMUP)
  --rate N[,N...]         also run at these spans/s         (GC_BENCH_RATE)
  --streams 8             in-flight Export calls per thread (GC_BENCH_STREAMS)
  --threads 1             load generator threads            (GC_BENCH_THREADS)
  --spans-per-request 100                                   (GC_BENCH_SPANS_PER_REQUEST)
  --profiles "metadata content"                             (GC_BENCH_PROFILES)
  --runs 1                repeat; report medians            (GC_BENCH_RUNS)
  --floor-seconds 3       CPU seconds per floor measurement (GC_BENCH_FLOOR_SECONDS)
  --compression none      otlp exporter compression: none|gzip (GC_BENCH_EXPORTER_COMPRESSION)
  --with-batch            put the batch processor in the pipeline (GC_BENCH_WITH_BATCH=1)
  --exporter-batch        batch in the exporter's queue: sending_queue.batch with its
                          defaults (GC_BENCH_EXPORTER_BATCH=1)
  --processors LIST       processors before batch, with default options, e.g.
                          genai_normalize,genai_cost,pii_redact (GC_BENCH_PROCESSORS);
                          the sink then reports delivered=content-differs, as it should
  --pii                   only pii_redact's engine: gc_pii_bench, MB/s per core (GC_BENCH_PII=1);
                          --runs applies (default 5 here), extra flags in GC_BENCH_PII_ARGS,
                          e.g. "--mb 128 --kind json" (gc_pii_bench --help lists them)
  --build-dir DIR         default: build/                   (GC_BENCH_BUILD_DIR)
  --no-build              use the binaries already in the build dir
  --keep                  keep the scenario logs (printed path)
EOF
}

die() {
	echo "run.sh: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--duration) DURATION=$2; shift ;;
	--warmup) WARMUP=$2; shift ;;
	--rate) RATES=$2; shift ;;
	--streams) STREAMS=$2; shift ;;
	--threads) THREADS=$2; shift ;;
	--spans-per-request) SPANS_PER_REQUEST=$2; shift ;;
	--profiles) PROFILES=$2; shift ;;
	--runs) RUNS=$2; RUNS_SET=1; shift ;;
	--floor-seconds) FLOOR_SECONDS=$2; shift ;;
	--compression) COMPRESSION=$2; shift ;;
	--with-batch) WITH_BATCH=1 ;;
	--exporter-batch) EXPORTER_BATCH=1 ;;
	--processors) PROCESSORS=$2; shift ;;
	--pii) PII=1 ;;
	--build-dir) BUILD=$2; shift ;;
	--no-build) DO_BUILD=0 ;;
	--keep) KEEP=1 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown option $1" ;;
	esac
	shift
done
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
case $COMPRESSION in none | gzip) ;; *) die "--compression must be none or gzip" ;; esac

if [ -f "$BUILD/CMakeCache.txt" ] && grep -q '^GC_BENCH:BOOL=OFF' "$BUILD/CMakeCache.txt"; then
	die "$BUILD is configured with -DGC_BENCH=OFF: reconfigure it with -DGC_BENCH=ON or use --build-dir"
fi

if [ "$PII" = 1 ]; then
	PII_BENCH=$BUILD/bench/gc_pii_bench
	if [ "$DO_BUILD" = 1 ]; then
		if [ ! -f "$BUILD/CMakeCache.txt" ]; then
			cmake -S "$ROOT" -B "$BUILD" >/dev/null || die "cmake configure failed"
		fi
		cmake --build "$BUILD" -j2 --target gc_pii_bench >/dev/null ||
			die "build failed (run: cmake --build $BUILD -j2 --target gc_pii_bench)"
	fi
	[ -x "$PII_BENCH" ] || die "missing $PII_BENCH"
	pii_runs=()
	[ -n "$RUNS_SET" ] && pii_runs=(--runs "$RUNS")
	# shellcheck disable=SC2086 # GC_BENCH_PII_ARGS is a list of flags
	exec "$PII_BENCH" "${pii_runs[@]}" $PII_ARGS
fi

DAEMON=$BUILD/genai-collector
LOADGEN=$BUILD/bench/gc_loadgen
FLOOR=$BUILD/bench/gc_floor

if [ "$DO_BUILD" = 1 ]; then
	if [ ! -f "$BUILD/CMakeCache.txt" ]; then
		cmake -S "$ROOT" -B "$BUILD" >/dev/null || die "cmake configure failed"
	fi
	cmake --build "$BUILD" -j2 --target genai-collector gc_loadgen gc_floor >/dev/null ||
		die "build failed (run: cmake --build $BUILD -j2 --target genai-collector gc_loadgen gc_floor)"
fi
for bin in "$DAEMON" "$LOADGEN" "$FLOOR"; do
	[ -x "$bin" ] || die "missing $bin"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gc-bench.XXXXXX")
SINK_PID=
DAEMON_PID=

# Only the processes this script started are stopped.
cleanup() {
	local pid
	for pid in $DAEMON_PID $SINK_PID; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	if [ "$KEEP" = 1 ]; then
		echo "logs kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# alive PID: the process exists and has not exited (a zombie has).
alive() {
	local state
	state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# wait_for FILE REGEX SECONDS PID: waits until FILE has a line matching REGEX;
# fails early when PID exits.
wait_for() {
	local file=$1 regex=$2 tenths=$(($3 * 10)) pid=$4
	while [ "$tenths" -gt 0 ]; do
		grep -Eq "$regex" "$file" 2>/dev/null && return 0
		alive "$pid" || return 1
		sleep 0.1
		tenths=$((tenths - 1))
	done
	return 1
}

# stop PID SECONDS: SIGTERM, then waits; sets STOP_STATUS to the exit
# status, or "timeout" after SIGKILL. Runs in this shell (not in $(...)) so
# that wait can reap the child.
stop() {
	local pid=$1 tenths=$(($2 * 10)) rc
	kill -TERM "$pid" 2>/dev/null || true
	while [ "$tenths" -gt 0 ] && alive "$pid"; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	STOP_STATUS=0
	if alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null || true
		STOP_STATUS=timeout
	fi
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	[ "$STOP_STATUS" = timeout ] || STOP_STATUS=$rc
}

# field NAME LINE: the value of NAME=value in a "KEY a=1 b=2" line.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1
}

write_config() {
	local file=$1 sink_port=$2 processors= list= defs= queue= p
	for p in ${PROCESSORS//,/ }; do
		list="$list${list:+, }$p"
		defs="$defs
  $p: {}"
	done
	[ "$WITH_BATCH" = 1 ] && list="$list${list:+, }batch"
	[ -n "$list" ] && processors="
      processors: [$list]"
	[ "$EXPORTER_BATCH" = 1 ] && queue="
    sending_queue:
      batch: {}"
	cat >"$file" <<EOF
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
processors:
  batch: {}$defs
exporters:
  otlp:
    endpoint: 127.0.0.1:$sink_port
    tls:
      insecure: true
    compression: $COMPRESSION$queue
service:
  telemetry:
    metrics:
      address: 127.0.0.1:0
  pipelines:
    traces:
      receivers: [otlp]$processors
      exporters: [otlp]
EOF
}

# scenario PROFILE RATE RUN: one sink, one daemon, one load; appends a
# BENCH line to $WORK/results. RATE 0 is flat out.
scenario() {
	local profile=$1 rate=$2 run=$3 dir sink_port daemon_port result rss daemon_rc sink_rc
	local sink_line sent digest got got_digest delivered load rate_args=()
	dir=$WORK/$profile-$rate-$run
	mkdir -p "$dir"
	load=flat-out
	if [ "$rate" != 0 ]; then
		load=$rate/s
		rate_args=(--rate "$rate")
	fi

	"$LOADGEN" sink --listen 127.0.0.1:0 >"$dir/sink.out" 2>"$dir/sink.err" &
	SINK_PID=$!
	wait_for "$dir/sink.out" '^sink listening on ' 10 "$SINK_PID" ||
		die "sink did not start: $(cat "$dir/sink.err")"
	sink_port=$(sed -n 's/^sink listening on .*:\([0-9][0-9]*\)$/\1/p' "$dir/sink.out")

	write_config "$dir/config.yaml" "$sink_port"
	"$DAEMON" --config "$dir/config.yaml" >"$dir/daemon.out" 2>"$dir/daemon.err" &
	DAEMON_PID=$!
	if ! wait_for "$dir/daemon.err" 'service: ready' 20 "$DAEMON_PID"; then
		cat "$dir/daemon.err" >&2
		die "daemon did not become ready (config $dir/config.yaml)"
	fi
	daemon_port=$(sed -n 's/.*otlp: grpc listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$dir/daemon.err" | head -1)
	[ -n "$daemon_port" ] || die "no 'otlp: grpc listening on HOST:PORT' line in the daemon log"

	if ! "$LOADGEN" send --endpoint "127.0.0.1:$daemon_port" --profile "$profile" \
		--spans-per-request "$SPANS_PER_REQUEST" --streams "$STREAMS" --threads "$THREADS" \
		--duration "$DURATION" --warmup "$WARMUP" "${rate_args[@]}" \
		--cpu-pid "$DAEMON_PID" >"$dir/loadgen.out" 2>&1; then
		cat "$dir/loadgen.out" >&2
		echo "run.sh: load generator failed against the daemon (see above)" >&2
	fi
	result=$(grep '^RESULT ' "$dir/loadgen.out" || true)
	rss=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$DAEMON_PID/status" 2>/dev/null || echo nan)

	stop "$DAEMON_PID" 30
	daemon_rc=$STOP_STATUS
	DAEMON_PID=
	stop "$SINK_PID" 10
	sink_rc=$STOP_STATUS
	SINK_PID=
	sink_line=$(grep '^SINK ' "$dir/sink.out" || true)

	sent=$(field total_ok_spans "$result")
	digest=$(field total_ok_digest "$result")
	got=$(field spans "$sink_line")
	got_digest=$(field digest "$sink_line")
	if [ -z "$result" ] || [ -z "$sink_line" ]; then
		delivered=unknown
	elif [ "$sent" = "$got" ] && [ "$digest" = "$got_digest" ]; then
		delivered=ok
	elif [ "$sent" = "$got" ]; then
		delivered=content-differs
	else
		delivered="$got/$sent"
	fi
	[ "$daemon_rc" = 0 ] || echo "run.sh: daemon exit status on SIGTERM: $daemon_rc ($profile, $load)" >&2
	[ "$sink_rc" = 0 ] || echo "run.sh: sink exit status: $sink_rc" >&2
	grep -E ' (warn|error) ' "$dir/daemon.err" | head -5 | sed "s|^|daemon log ($profile, $load): |" >&2 || true

	printf 'BENCH profile=%s load=%s run=%s spans_per_sec=%s us_per_span=%s p50_ms=%s p99_ms=%s rss_mib=%s errors=%s span_bytes=%s switches_per_request=%s delivered=%s daemon_exit=%s\n' \
		"$profile" "$load" "$run" "$(field spans_per_sec "$result")" \
		"$(field daemon_us_per_span "$result")" "$(field p50_ms "$result")" \
		"$(field p99_ms "$result")" "$rss" "$(field errors "$result")" \
		"$(field span_bytes "$result")" "$(field daemon_switches_per_request "$result")" \
		"$delivered" "$daemon_rc" >>"$WORK/results"
}

floor() {
	local profile=$1 run=$2 line
	line=$("$FLOOR" --profile "$profile" --seconds "$FLOOR_SECONDS" --spans-per-request "$SPANS_PER_REQUEST" |
		grep '^FLOOR ') || die "gc_floor failed"
	echo "$line run=$run" >>"$WORK/floors"
}

# select_values KEY FILE FILTER...: the values of KEY=value on the lines of
# FILE that carry every FILTER word, one per line.
select_values() {
	local key=$1 file=$2
	shift 2
	awk -v key="$key" -v filters="$*" '
		BEGIN { nf = split(filters, want, " ") }
		{
			for (i = 1; i <= nf; i++) {
				found = 0
				for (j = 1; j <= NF; j++) if ($j == want[i]) found = 1
				if (!found) next
			}
			for (j = 1; j <= NF; j++)
				if (index($j, key "=") == 1) { print substr($j, length(key) + 2); break }
		}' "$file"
}

# median KEY FILE FILTER...: median of the numeric values; "-" when none.
median() {
	select_values "$@" | awk '
		$1 ~ /^-?[0-9.]+$/ {
			v[++n] = $1 + 0
			for (i = n; i > 1 && v[i - 1] > v[i]; i--) { t = v[i]; v[i] = v[i - 1]; v[i - 1] = t }
		}
		END {
			if (n == 0) print "-"
			else if (n % 2) print v[(n + 1) / 2]
			else print (v[n / 2] + v[n / 2 + 1]) / 2
		}'
}

# mode_of KEY FILE FILTER...: the most frequent value (delivered, daemon_exit).
mode_of() {
	select_values "$@" | awk '
		{ c[$1]++; if (c[$1] > best) { best = c[$1]; v = $1 } }
		END { print (best ? v : "-") }'
}

LOADS=(0)
if [ -n "$RATES" ]; then
	IFS=, read -r -a extra <<<"$RATES"
	LOADS+=("${extra[@]}")
fi
: >"$WORK/results"
: >"$WORK/floors"
CPUS=$(nproc 2>/dev/null || echo "?")
echo "genai-collector passthrough bench: $CPUS CPUs, duration $DURATION (+$WARMUP warm-up), streams $STREAMS x $THREADS thread(s)," \
	"$SPANS_PER_REQUEST spans/request, exporter compression $COMPRESSION, batch processor $([ "$WITH_BATCH" = 1 ] && echo on || echo off), exporter batching $([ "$EXPORTER_BATCH" = 1 ] && echo on || echo off)," \
	"processors ${PROCESSORS:-none}, runs $RUNS" >&2
for run in $(seq 1 "$RUNS"); do
	for profile in $PROFILES; do
		for rate in "${LOADS[@]}"; do
			echo "run $run/$RUNS: $profile $([ "$rate" = 0 ] && echo flat-out || echo "$rate spans/s")..." >&2
			scenario "$profile" "$rate" "$run"
			tail -1 "$WORK/results" >&2
		done
		echo "run $run/$RUNS: floor $profile..." >&2
		floor "$profile" "$run"
		tail -1 "$WORK/floors" >&2
	done
done

# fmt FORMAT VALUE: printf for numbers, "-" for anything else.
fmt() {
	awk -v f="$1" -v v="$2" 'BEGIN { if (v ~ /^-?[0-9.]+$/) printf f, v; else printf "-" }'
}

echo
printf '%-9s %-10s %6s %9s %11s %8s %8s %8s %8s %9s %7s %8s  %s\n' profile load "span B" "spans/s" "CPU-s/Mspan" "us/span" \
	"p50 ms" "p99 ms" "RSS MiB" "ctxsw/req" errors "x arena" delivered
for profile in $PROFILES; do
	arena=$(median arena_ns "$WORK/floors" "profile=$profile")
	for rate in "${LOADS[@]}"; do
		load=flat-out
		[ "$rate" = 0 ] || load=$rate/s
		sel=("profile=$profile" "load=$load")
		us=$(median us_per_span "$WORK/results" "${sel[@]}")
		ratio=$(awk -v u="$us" -v a="$arena" 'BEGIN { if (a + 0 > 0 && u + 0 > 0) printf "%.1f", u * 1000 / a; else print "-" }')
		printf '%-9s %-10s %6s %9s %11s %8s %8s %8s %8s %9s %7s %8s  %s\n' "$profile" "$load" \
			"$(fmt %.0f "$(median span_bytes "$WORK/results" "${sel[@]}")")" \
			"$(fmt %.0f "$(median spans_per_sec "$WORK/results" "${sel[@]}")")" \
			"$(fmt %.2f "$us")" "$(fmt %.2f "$us")" \
			"$(fmt %.2f "$(median p50_ms "$WORK/results" "${sel[@]}")")" \
			"$(fmt %.2f "$(median p99_ms "$WORK/results" "${sel[@]}")")" \
			"$(fmt %.1f "$(median rss_mib "$WORK/results" "${sel[@]}")")" \
			"$(fmt %.1f "$(median switches_per_request "$WORK/results" "${sel[@]}")")" \
			"$(fmt %.0f "$(median errors "$WORK/results" "${sel[@]}")")" \
			"$ratio" "$(mode_of delivered "$WORK/results" "${sel[@]}")"
	done
done
echo
echo "floor, CPU per span on the same payloads (one thread):"
printf '%-9s %22s %22s %18s\n' profile "unpack+pack default" "unpack+pack arena" "wire walk"
for profile in $PROFILES; do
	printf '%-9s %19s us %19s us %15s us\n' "$profile" \
		"$(fmt %.2f "$(awk -v n="$(median default_ns "$WORK/floors" "profile=$profile")" 'BEGIN { print n / 1000 }')")" \
		"$(fmt %.2f "$(awk -v n="$(median arena_ns "$WORK/floors" "profile=$profile")" 'BEGIN { print n / 1000 }')")" \
		"$(fmt %.2f "$(awk -v n="$(median walk_ns "$WORK/floors" "profile=$profile")" 'BEGIN { print n / 1000 }')")"
done
echo
echo "x arena: daemon CPU per span / protobuf-c unpack+pack with the arena."
echo "ctxsw/req: daemon context switches (all threads) per Export request in the window."
echo "delivered: ok = the sink received exactly the spans the daemon acknowledged, byte for byte."
echo
cat "$WORK/results" "$WORK/floors"
