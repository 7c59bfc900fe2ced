#!/usr/bin/env bash
# CPU and memory of the real console (target/release/relcon) running in a
# detached tmux session at 160×48, sampled from /proc/PID/stat (utime+stime,
# all threads) and /proc/PID/status (VmRSS, VmHWM). See docs/performance.md.
#
#   benches/idle_cpu.sh [demo] [SECS]          relcon demo (3 envs; its loopback
#                                              services run inside the same process)
#   benches/idle_cpu.sh endpoints [N] [SECS]   the console on N loopback health
#                                              endpoints at 1 s (ENVS=10 envs), served
#                                              by the health bench binary in
#                                              another process (not counted)
#   benches/idle_cpu.sh config PATH [SECS]     the console on any config (e.g. a
#                                              1M-event bench ledger, for RSS)
#
# KEYS="4" types keys into the console first (4: the Health view).
# REPORT=NAME also writes the figures as a table to
# target/bench-report/idle-NAME.md, which benches/report.py folds into
# docs/performance.md (so the page is not typed).
# Defaults: 60 s sampled after 5 s of settling (SETTLE=5). Builds first
# (cargo bench --bench health --no-run); RELCON=path measures that binary
# instead, without building.
# Only loopback addresses are used. Prints one "result:" line per figure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
mode=${1:-demo}
RELCON_GIVEN=${RELCON:-}
RELCON=${RELCON:-target/release/relcon}
SETTLE=${SETTLE:-5}
session="relcon-perf-$$"
work=$(mktemp -d)
server_pid=""

cleanup() {
    tmux kill-session -t "$session" 2>/dev/null || true
    if [ -n "$server_pid" ]; then
        exec 9>&- 2>/dev/null || true # closing its stdin ends the server
        sleep 0.3
        kill "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Build the console and the health bench binary (which also serves
# endpoints) in one go, so both match the sources. RELCON=path skips this.
health_bin=""
if [ -z "${RELCON_GIVEN:-}" ]; then
    if out=$(cargo bench --bench health --no-run 2>&1); then
        health_bin=$(sed -n 's/.*Executable benches\/health.rs (\(.*\))/\1/p' <<<"$out" | tail -1)
    else
        echo "warning: the build failed; measuring the binaries built before:" >&2
        grep -E '^error' <<<"$out" | head -3 >&2
    fi
fi
[ -x "$RELCON" ] || { echo "no $RELCON: build it first" >&2; exit 1; }
[ -n "$health_bin" ] || health_bin=$(ls -t "${CARGO_TARGET_DIR:-target}"/release/deps/health-* 2>/dev/null | grep -v '\.d$' | head -1 || true)

case "$mode" in
demo)
    secs=${2:-60}
    cmd="$RELCON demo"
    label="relcon demo (3 envs x 2 checks at 2 s/5 s, services in-process)"
    ;;
endpoints)
    n=${2:-1000}
    secs=${3:-60}
    bin=$health_bin
    [ -x "$bin" ] || { echo "cannot find the health bench binary" >&2; exit 1; }
    # The server prints its ports on one line, then serves until stdin closes.
    mkfifo "$work/in"
    RELCON_BENCH_HEALTH_SERVE=$n "$bin" <"$work/in" >"$work/ports" &
    server_pid=$!
    exec 9>"$work/in"
    for _ in $(seq 100); do [ -s "$work/ports" ] && break; sleep 0.1; done
    read -r -a ports <"$work/ports"
    [ "${#ports[@]}" -eq "$n" ] || { echo "server gave ${#ports[@]} ports" >&2; exit 1; }
    envs=${ENVS:-10}
    per=$(((n + envs - 1) / envs))
    {
        printf '[project]\nname = "perf-endpoints"\n\n[ledger]\nurl = "sqlite:ledger.db"\n'
        for ((e = 0; e * per < n; e++)); do
            printf '\n[[environment]]\nname = "e%d"\nurl = "http://127.0.0.1"\ndeploy = "true"\n' "$e"
            [ "$e" -gt 0 ] && printf 'promote_from = "e%d"\n' $((e - 1))
            for ((c = 0; c < per && e * per + c < n; c++)); do
                printf '\n[[environment.health]]\nname = "svc%03d"\nurl = "http://127.0.0.1:%s/health"\ninterval = "1s"\ntimeout = "1s"\n' \
                    "$c" "${ports[$((e * per + c))]}"
            done
        done
    } >"$work/relcon.toml"
    cmd="$RELCON --config $work/relcon.toml"
    label="console, $n endpoints at 1 s in $envs envs (servers in another process, not counted)"
    ;;
config)
    cfg=$(realpath "${2:?config path}")
    secs=${3:-60}
    cmd="$RELCON --config $cfg"
    label="console on $cfg"
    ;;
*)
    echo "usage: $0 [demo [SECS] | endpoints [N] [SECS] | config PATH [SECS]]" >&2
    exit 2
    ;;
esac

hz=$(getconf CLK_TCK)
cpu_ticks() { # utime + stime of one process, all its threads
    sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
# Time on a CPU in ns, per thread, from /proc/PID/task/TID/schedstat where
# the kernel has it: ticks at 100 Hz resolve 0.017 % in a minute, and which
# thread a tick lands on is chance (60 s windows of one binary read 13 and
# 17 ticks). A thread that exits within the window drops out of the sum;
# an untouched console starts and ends none.
ns_of() { if [ -r "$1/schedstat" ]; then cut -d' ' -f1 "$1/schedstat"; else echo ""; fi; }
threads_ticks() { # "tid comm ticks ns" per thread
    for t in /proc/"$1"/task/*; do
        printf '%s %s %s %s\n' "${t##*/}" "$(tr ' ' _ <"$t/comm")" "$(sed 's/.*) //' "$t/stat" | awk '{print $12 + $13}')" "$(ns_of "$t")"
    done
}
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

tmux new-session -d -s "$session" -x 160 -y 48 -e RELCON_USER=perf "$cmd"
pane=$(tmux list-panes -t "$session" -F '#{pane_pid}')
pid=""
for _ in $(seq 100); do
    # The pane's shell may exec relcon, or run it as a child.
    if [ "$(cat "/proc/$pane/comm" 2>/dev/null)" = relcon ]; then
        pid=$pane
    else
        pid=$(pgrep -P "$pane" -x relcon | head -1 || true)
    fi
    [ -n "$pid" ] && break
    sleep 0.05
done
[ -n "$pid" ] || { echo "relcon did not start" >&2; tmux capture-pane -p -t "$session" >&2 || true; exit 1; }

if [ -n "${KEYS:-}" ]; then
    sleep 1
    # shellcheck disable=SC2086 # one key name per word
    tmux send-keys -t "$session" $KEYS
fi
sleep "$SETTLE"
tmux capture-pane -p -t "$session" >"$work/screen0.txt"
c0=$(cpu_ticks "$pid")
threads_ticks "$pid" >"$work/threads0"
s0=$([ -n "$server_pid" ] && cpu_ticks "$server_pid" || echo 0)
t0=$(date +%s%N)
sleep "$secs"
c1=$(cpu_ticks "$pid")
threads_ticks "$pid" >"$work/threads1"
s1=$([ -n "$server_pid" ] && cpu_ticks "$server_pid" || echo 0)
t1=$(date +%s%N)
[ -d "/proc/$pid" ] || { echo "relcon exited during the measurement" >&2; exit 1; }
rss=$(status_kb "$pid" VmRSS)
hwm=$(status_kb "$pid" VmHWM)
threads=$(status_kb "$pid" Threads)

tick_pct=$(awk -v c=$((c1 - c0)) -v hz="$hz" -v ns=$((t1 - t0)) 'BEGIN {printf "%.2f", 100 * (c / hz) / (ns / 1e9)}')
# Per thread: "tid comm ticks0 ticks1 ns0 ns1".
join <(sort "$work/threads0") <(sort "$work/threads1") | awk '{print $1, $2, $3, $6, $4, $7}' >"$work/threads"
if awk 'NF < 6 {bad = 1} END {exit bad}' "$work/threads"; then
    cpu_pct=$(awk -v ns=$((t1 - t0)) '{d += $6 - $5} END {printf "%.3f", 100 * d / ns}' "$work/threads")
    how="schedstat; ${hz} Hz ticks: $tick_pct %"
else
    cpu_pct=$tick_pct
    how="$((c1 - c0)) ticks at $hz Hz"
fi
echo "== $label"
echo "pid $pid, $threads threads; sampled $(awk -v ns=$((t1 - t0)) 'BEGIN {printf "%.1f", ns / 1e9}') s after ${SETTLE} s"
echo "first screen lines:"
head -3 "$work/screen0.txt" | sed 's/^/  | /'
echo "result: cpu $cpu_pct % of one core ($how)"
echo "result: rss $(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}') MB (VmRSS), peak $(awk -v k="$hwm" 'BEGIN {printf "%.1f", k / 1024}') MB (VmHWM)"
echo "per thread (tid name: % of one core):"
per_thread() { # "pct name" per thread, from ns where known, else ticks
    awk -v hz="$hz" -v s="$secs" '{printf "%.3f %s %s\n", (NF >= 6 ? ($6 - $5) / 1e9 : ($4 - $3) / hz) * 100 / s, $2, $1}' "$work/threads"
}
per_thread | awk '{printf "  %s %s: %s %%\n", $3, $2, $1}'
if [ -n "$server_pid" ]; then
    echo "servers (another process, not counted): $(awk -v c=$((s1 - s0)) -v hz="$hz" -v s="$secs" 'BEGIN {printf "%.2f", 100 * c / hz / s}') % of one core"
fi

if [ -n "${REPORT:-}" ]; then
    mkdir -p target/bench-report
    busiest=$(per_thread | sort -rn | head -3 | awk '{printf "%s%s %s %%", (NR > 1 ? ", " : ""), $2, $1}')
    {
        echo "The real console (release build) in a 160×48 tmux pane, untouched, sampled $secs s after $SETTLE s of settling; CPU time of all its threads from /proc. The bare baseline, a minimal event-driven ratatui loop, has nothing to poll: 0.00 %."
        echo
        echo "| console | CPU, one core | busiest threads | RSS | goal |"
        echo "| --- | --- | --- | --- | --- |"
        echo "| $label | **$cpu_pct %** ($how) | $busiest | $(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}') MB | ${GOAL:-≤ 0.25 %} |"
    } >"target/bench-report/idle-$REPORT.md"
    echo "wrote target/bench-report/idle-$REPORT.md"
fi
