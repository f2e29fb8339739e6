#!/usr/bin/env bash
# A throw-away single-node SLURM on this machine, for `make test-cluster`.
#
#   scripts/slurm/harness.sh run -- CMD ARGS...   install if needed, start munged + slurmctld +
#                                                 slurmd, wait for the node to be idle, run CMD
#                                                 with the environment below, tear down (trap),
#                                                 exit with CMD's status
#   scripts/slurm/harness.sh start                start and leave running; prints `export ...`
#                                                 lines (eval them); stop it with:
#   scripts/slurm/harness.sh stop DIR             tear down the cluster whose state is in DIR
#
# Everything lives in one temporary state directory (mktemp -d): slurm.conf, the munge key and
# socket, spool, state, logs, pid files. Nothing global is written or read: every slurm command
# finds the cluster through SLURM_CONF, the daemons listen on free ports on 127.0.0.1 only.
# Teardown cancels the cluster's jobs, then ends exactly the processes this script started, by
# the pids it recorded (checked against their command name first), and any job step left over
# (slurmstepd processes carrying this cluster's SLURM_CONF, and their children); a watchdog
# does the same if the `run` shell itself is killed with SIGKILL.
#
# Environment given to CMD (and printed by `start`):
#   SLURM_CONF                    this cluster's slurm.conf
#   DISTRICTSIM_SLURM=up          the marker the cluster tests look for
#   DISTRICTSIM_SLURM_PARTITION   the one partition (default queue), "districtsim"
#   DISTRICTSIM_SLURM_NODE        the node name (this host's short name)
#   DISTRICTSIM_SLURM_CPUS        CPUs of the node
#   DISTRICTSIM_SLURM_DIR         the state directory (logs in DIR/log)
#
# Exit status: CMD's; 77 (and one line "SKIPPED: reason") when SLURM cannot run here: not
# root, no apt-get, or the packages cannot be installed; 1 when the cluster fails to start (its
# logs are printed). A CMD that itself exits 77 is reported as 1, so 77 always means skipped.
#
# Knobs: SLURM_HARNESS_CPUS (default: this machine's CPUs; more oversubscribes the cores),
# SLURM_HARNESS_MEM_MB (RealMemory, default min(8192, 80 % of RAM)), SLURM_HARNESS_KEEP=1
# (keep the state directory), SLURM_HARNESS_TMP (parent of the state directory, default
# $TMPDIR or /tmp), SLURM_HARNESS_QUIET=1 (no progress lines on stderr).
set -uo pipefail

SKIP=77
PARTITION=districtsim
PROG=$(basename "$0")
SELF=$(readlink -f "$0")

say() { [[ "${SLURM_HARNESS_QUIET:-}" == 1 ]] || echo "slurm-harness: $*" >&2; }
skip() { echo "SKIPPED: $*"; exit "$SKIP"; }
die() { echo "slurm-harness: error: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- (a) the packages ------------------------------------------------------------------------

need_cmds=(munged mungekey munge slurmctld slurmd sbatch squeue sinfo scancel scontrol)

have_all() {
    local c
    for c in "${need_cmds[@]}"; do command -v "$c" >/dev/null 2>&1 || return 1; done
}

install_packages() {
    have_all && return 0
    [[ $(id -u) -eq 0 ]] || skip "SLURM is not installed and installing it needs root (running as $(id -un))"
    command -v apt-get >/dev/null 2>&1 || skip "SLURM is not installed and there is no apt-get to install it"
    local t0 log added_policy=0
    t0=$(now)
    log=$(mktemp "${TMPDIR:-/tmp}/slurm-harness-apt.XXXXXX")
    # No package may start its service (the global munged or slurmd) during the install: a
    # policy-rc.d that denies, unless the machine already has one (Docker images do).
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d \
            && added_policy=1
    fi
    say "installing slurm-wlm and munge with apt-get (log: $log)"
    local ok=0 try
    for try in 1 2; do
        # the package lists may be missing or stale on a fresh machine: update before a retry
        if [[ $try == 2 ]] || ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
            DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$log" 2>&1
        fi
        if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            slurm-wlm munge >>"$log" 2>&1; then
            ok=1; break
        fi
    done
    [[ $added_policy == 1 ]] && rm -f /usr/sbin/policy-rc.d
    [[ $ok == 1 ]] || skip "apt-get could not install slurm-wlm and munge ($(tail -n 1 "$log"))"
    have_all || skip "slurm-wlm and munge installed but a command is missing (${need_cmds[*]})"
    say "installed in $(since "$t0") s"
    rm -f "$log"
}

# --- (b) configuration and daemons -----------------------------------------------------------

# Ports in LISTEN state on this machine (hex from /proc/net/tcp*, printed decimal).
listening_ports() {
    local hex
    awk 'FNR > 1 && $4 == "0A" { n = split($2, a, ":"); print a[n] }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null | while read -r hex; do echo $((16#$hex)); done
}

# Two consecutive free ports, from a random start in 20000-39999.
free_port_pair() {
    local used p i
    used=" $(listening_ports | tr '\n' ' ') "
    p=$((20000 + RANDOM % 20000))
    for ((i = 0; i < 200; i++)); do
        if [[ "$used" != *" $p "* && "$used" != *" $((p + 1)) "* ]]; then
            echo "$p"; return 0
        fi
        p=$((p + 2)); ((p > 39998)) && p=20000
    done
    return 1
}

# The node line of this hardware as slurmd sees it (Sockets/Cores/Threads), CPUs overridable.
node_line() {
    local node=$1 cpus=$2 mem=$3 detected hw_cpus layout
    detected=$(env -u SLURM_CONF slurmd -C 2>/dev/null | head -n 1)
    hw_cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$detected")
    layout=$(grep -o 'Boards=[0-9]* SocketsPerBoard=[0-9]* CoresPerSocket=[0-9]* ThreadsPerCore=[0-9]*' \
        <<<"$detected")
    if [[ -n "$layout" && "$cpus" == "$hw_cpus" ]]; then
        echo "NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus $layout RealMemory=$mem State=UNKNOWN"
    else  # oversubscribed (or undetected): slurmd must accept a node unlike its hardware
        echo "NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN"
    fi
}

write_config() {
    local dir=$1 node=$2 cpus=$3 mem=$4 port=$5 overrides=$6 nodeline
    nodeline=$(node_line "$node" "$cpus" "$mem")
    cat >"$dir/etc/slurm.conf" <<EOF
# Written by $PROG for one test run; everything under $dir.
ClusterName=districtsim-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
PlugStackConfig=$dir/etc/plugstack.conf
MailProg=/bin/true
# No cgroups in a container: processes tracked through /proc, no binding, no enforcement.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
# start a submitted job at once (the default batch_sched_delay=3 waits up to 3 s)
SchedulerParameters=batch_sched_delay=0
DefMemPerCPU=1024
ReturnToService=2
JobRequeue=0
KillWait=5
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=60
${overrides}
$nodeline
PartitionName=$PARTITION Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
    : >"$dir/etc/plugstack.conf"
}

# Start "$@" in its own session (no terminal signals reach it) and record its pid in $pidfile.
start_daemon() {
    local pidfile=$1 name=$2; shift 2
    setsid "$@" </dev/null >>"$STATE/log/$name.stdout" 2>&1 &
    local pid=$!
    echo "$pid" >"$pidfile"
    sleep 0.2
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "slurm-harness: $name exited at once:" >&2
        tail -n 20 "$STATE/log/$name.stdout" >&2
        return 1
    fi
}

start_cluster() {
    local t0 node cpus mem_total mem port overrides=""
    t0=$(now)
    STATE=$(mktemp -d "${SLURM_HARNESS_TMP:-${TMPDIR:-/tmp}}/districtsim-slurm.XXXXXX") \
        || die "cannot create a temporary state directory"
    mkdir -p "$STATE"/{etc,munge,state,spool,log,run,pids}
    # munged wants its directories searchable by all and writable by the owner only, whatever
    # the umask
    chmod 755 "$STATE" "$STATE"/*
    export SLURM_CONF=$STATE/etc/slurm.conf

    node=$(hostname -s 2>/dev/null || uname -n)
    node=${node:-localhost}
    cpus=${SLURM_HARNESS_CPUS:-$(nproc)}
    mem_total=$(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo)
    mem=${SLURM_HARNESS_MEM_MB:-$((mem_total * 8 / 10 < 8192 ? mem_total * 8 / 10 : 8192))}
    port=$(free_port_pair) || die "no free pair of TCP ports for slurmctld/slurmd"
    [[ "$cpus" != "$(nproc)" ]] && overrides="SlurmdParameters=config_overrides"
    write_config "$STATE" "$node" "$cpus" "$mem" "$port" "$overrides"

    # munge: a fresh key of this run, its own socket, pid, seed and log files.
    if ! mungekey --create --bits=1024 --keyfile="$STATE/munge/munge.key" 2>>"$STATE/log/munged.log"; then
        dd if=/dev/urandom of="$STATE/munge/munge.key" bs=128 count=1 status=none
    fi
    chmod 600 "$STATE/munge/munge.key"
    start_daemon "$STATE/pids/munged.pid" munged munged --foreground --force \
        --key-file="$STATE/munge/munge.key" --socket="$STATE/munge/munge.socket" \
        --pid-file="$STATE/munge/munged.pid" --seed-file="$STATE/munge/munged.seed" \
        --log-file="$STATE/log/munged.log" || { show_logs; return 1; }
    local i
    for ((i = 0; i < 50; i++)); do [[ -S "$STATE/munge/munge.socket" ]] && break; sleep 0.1; done
    munge -n -S "$STATE/munge/munge.socket" | unmunge -S "$STATE/munge/munge.socket" >/dev/null 2>&1 \
        || { echo "slurm-harness: munge does not round-trip a credential" >&2; show_logs; return 1; }

    start_daemon "$STATE/pids/slurmctld.pid" slurmctld slurmctld -D -i \
        || { show_logs; return 1; }
    start_daemon "$STATE/pids/slurmd.pid" slurmd slurmd -D -N "$node" \
        || { show_logs; return 1; }

    # (c) wait until the node is idle in sinfo
    local st=""
    for ((i = 0; i < 300; i++)); do
        st=$(sinfo -h -n "$node" -p "$PARTITION" -o %T 2>/dev/null | head -n 1)
        [[ "$st" == idle ]] && break
        for p in munged slurmctld slurmd; do
            kill -0 "$(cat "$STATE/pids/$p.pid")" 2>/dev/null \
                || { echo "slurm-harness: $p died while starting" >&2; show_logs; return 1; }
        done
        sleep 0.1
    done
    if [[ "$st" != idle ]]; then
        echo "slurm-harness: node $node not idle after 30 s (state: ${st:-none})" >&2
        scontrol show node "$node" >&2 2>&1
        show_logs; return 1
    fi
    export DISTRICTSIM_SLURM=up DISTRICTSIM_SLURM_PARTITION=$PARTITION \
        DISTRICTSIM_SLURM_NODE=$node DISTRICTSIM_SLURM_CPUS=$cpus DISTRICTSIM_SLURM_DIR=$STATE
    say "SLURM up in $(since "$t0") s: node $node idle, partition $PARTITION, $cpus CPUs," \
        "${mem} MiB, ports $port/$((port + 1)), state $STATE"
}

# The tails of the daemons' logs (their own log files; *.stdout holds what they printed before
# opening them, shown when a daemon died).
show_logs() {
    local f lines=15
    for f in "$STATE"/log/*.log; do
        [[ -s "$f" ]] || continue
        echo "----- $f (last $lines lines)" >&2
        grep -v -e 'pmix' -e 'MPI: Cannot create context' -e 'state file' -e 'Trying backup state' \
            -e 'to recover$' "$f" | tail -n "$lines" >&2
    done
}

# --- (d) teardown ----------------------------------------------------------------------------

# pid of a recorded daemon if it is still that program, else nothing.
recorded_pid() {
    local dir=$1 name=$2 pid
    pid=$(cat "$dir/pids/$name.pid" 2>/dev/null) || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$name" ]] || return 1
    echo "$pid"
}

# "pid ppid" of every process, from /proc (no ps needed).
process_table() {
    local p pp
    for p in /proc/[0-9]*; do
        pp=$(awk '/^PPid:/ { print $2; exit }' "$p/status" 2>/dev/null) && echo "${p#/proc/} $pp"
    done
}

# Children (recursive) of the given pids, parents first.
descendants() {
    local all p c
    all=$(process_table)
    local queue=("$@") next
    while ((${#queue[@]})); do
        next=()
        for p in "${queue[@]}"; do
            while read -r c; do [[ -n "$c" ]] && { echo "$c"; next+=("$c"); }; done \
                < <(awk -v p="$p" '$2 == p { print $1 }' <<<"$all")
        done
        queue=("${next[@]}")
    done
}

# Job steps of this cluster still alive: slurmstepd processes started with its SLURM_CONF.
leftover_steps() {
    local dir=$1 conf="SLURM_CONF=$1/etc/slurm.conf" p
    for p in /proc/[0-9]*; do
        [[ "$(cat "$p/comm" 2>/dev/null)" == slurmstepd ]] || continue
        tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qxF "$conf" && echo "${p#/proc/}"
    done
}

# A process that exists and is not a zombie (an orphan's zombie waits for init to reap it).
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    local state
    state=$(awk '/^State:/ { print $2; exit }' "/proc/$1/status" 2>/dev/null)
    [[ -n "$state" && "$state" != Z ]]
}

kill_and_wait() {  # kill_and_wait SECONDS PID...: TERM, wait, then KILL what is left
    local secs=$1 p i alive; shift
    (($#)) || return 0
    kill -TERM "$@" 2>/dev/null
    for ((i = 0; i < secs * 10; i++)); do
        alive=0
        for p in "$@"; do alive "$p" && alive=1; done
        ((alive)) || return 0
        sleep 0.1
    done
    kill -KILL "$@" 2>/dev/null
    sleep 0.2
}

teardown() {
    local dir=$1 t0 pid ids=() steps=() kids=()
    [[ -n "$dir" && -d "$dir" ]] || return 0
    mkdir "$dir/teardown.lock" 2>/dev/null || return 0   # once, whoever comes first
    t0=$(now)
    export SLURM_CONF=$dir/etc/slurm.conf
    if recorded_pid "$dir" slurmctld >/dev/null; then
        mapfile -t ids < <(squeue -h -o %i 2>/dev/null)
        if ((${#ids[@]})); then
            say "teardown: cancelling jobs ${ids[*]}"
            scancel "${ids[@]}" 2>/dev/null
            local i
            for ((i = 0; i < 150; i++)); do
                [[ -z "$(squeue -h -t R,CG,PD -o %i 2>/dev/null)" ]] && break
                sleep 0.1
            done
        fi
    fi
    # job steps the scheduler could not end (or that outlived a dead slurmd), with their children
    mapfile -t steps < <(leftover_steps "$dir")
    if ((${#steps[@]})); then
        mapfile -t kids < <(descendants "${steps[@]}")
        say "teardown: ending leftover job steps ${steps[*]} (children: ${kids[*]:-none})"
        kill_and_wait 5 "${kids[@]}"
        kill_and_wait 5 "${steps[@]}"
    fi
    for name in slurmd slurmctld munged; do
        pid=$(recorded_pid "$dir" "$name") && kill_and_wait 10 "$pid"
    done
    mapfile -t steps < <(leftover_steps "$dir")
    if ((${#steps[@]})); then
        mapfile -t kids < <(descendants "${steps[@]}")
        kill_and_wait 2 "${kids[@]}" "${steps[@]}"
    fi
    say "teardown done in $(since "$t0") s"
    if [[ "${SLURM_HARNESS_KEEP:-}" == 1 ]]; then
        say "state kept: $dir"
        rmdir "$dir/teardown.lock"
    else
        rm -rf "$dir"
    fi
}

# A detached process that tears the cluster down if the `run` shell dies without its trap.
watchdog() {
    local parent=$1 dir=$2
    while kill -0 "$parent" 2>/dev/null && [[ -d "$dir" ]]; do sleep 1; done
    [[ -d "$dir" ]] || exit 0
    sleep 2   # the trap of a normally ending parent may still be running: let it finish
    [[ -d "$dir" && ! -d "$dir/teardown.lock" ]] || exit 0
    # the command the parent ran, and its children, if the same program still has that pid
    local pid comm
    read -r pid comm <"$dir/pids/command.pid" 2>/dev/null
    if [[ -n "${pid:-}" && "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$comm" ]]; then
        local tree=()
        mapfile -t tree < <(descendants "$pid")
        kill_and_wait 5 "$pid" "${tree[@]}"
    fi
    teardown "$dir"
    exit 0
}

# --- the commands ----------------------------------------------------------------------------

preflight() {
    [[ "$(uname -s)" == Linux ]] || skip "SLURM needs Linux (this is $(uname -s))"
    install_packages
    [[ $(id -u) -eq 0 ]] || skip "running a throw-away SLURM needs root (SlurmUser=root), running as $(id -un)"
}

# The EXIT trap of `run`: end the command (and what it started), show the daemons' logs after
# a failure, tear down.
on_exit() {
    local rc=$? tree=()
    trap - EXIT INT TERM HUP
    if [[ -n "$CHILD" ]] && kill -0 "$CHILD" 2>/dev/null; then
        # the command and everything it started (a sweep client would wait for workers)
        mapfile -t tree < <(descendants "$CHILD")
        kill_and_wait 5 "$CHILD" "${tree[@]}"
    fi
    # the scheduler's view of a failed command (not of one stopped by a signal)
    if [[ $rc -ne 0 && $rc -lt 128 && -n "$STATE" && -d "$STATE" ]]; then show_logs; fi
    teardown "$STATE"
    exit "$rc"
}

cmd_run() {
    [[ "${1:-}" == -- ]] && shift
    (($#)) || die "usage: $PROG run -- CMD [ARGS...]"
    preflight
    STATE=""
    CHILD=""
    trap on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    start_cluster || exit 1
    setsid "$SELF" __watchdog "$$" "$STATE" </dev/null >>"${SLURM_HARNESS_WATCHDOG_LOG:-/dev/null}" 2>&1 &
    "$@" &
    CHILD=$!
    echo "$CHILD $(cat "/proc/$CHILD/comm" 2>/dev/null)" >"$STATE/pids/command.pid"
    local rc
    wait "$CHILD"; rc=$?
    CHILD=""
    if [[ $rc -eq $SKIP ]]; then
        echo "slurm-harness: the command exited $SKIP (reserved for SKIPPED): reporting 1" >&2
        rc=1
    fi
    exit "$rc"
}

cmd_start() {
    preflight
    STATE=""
    start_cluster || { teardown "$STATE"; exit 1; }
    local v
    for v in SLURM_CONF DISTRICTSIM_SLURM DISTRICTSIM_SLURM_PARTITION DISTRICTSIM_SLURM_NODE \
        DISTRICTSIM_SLURM_CPUS DISTRICTSIM_SLURM_DIR; do
        printf 'export %s=%q\n' "$v" "${!v}"
    done
    echo "# stop with: $SELF stop $STATE"
}

case "${1:-}" in
    run) shift; cmd_run "$@" ;;
    start) cmd_start ;;
    stop) [[ -n "${2:-}" ]] || die "usage: $PROG stop STATE_DIR"; teardown "$2" ;;
    __watchdog) watchdog "$2" "$3" ;;
    *) sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
