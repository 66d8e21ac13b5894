#!/usr/bin/env bash
# End-to-end test on a real single-node Slurm: installs Debian's slurmctld,
# slurmd, slurm-client and munge, starts them without systemd, submits a
# sharded run of a shipped scenario as a job array plus a merge job, waits
# for every task, checks the merge equals the single run byte for byte, and
# stops every daemon it started (also on failure).
#
# Needs root and Debian's package registry. .ci/run calls it; on a laptop it
# is opt-in:  sudo deploy/slurm/ci-test.sh [path/to/alliance-sim]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
sim=$(realpath "${1:-$repo/target/release/alliance-sim}")
[ -x "$sim" ] || { echo "no alliance-sim binary at $sim (cargo build --release first)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "this test installs and starts Slurm: run it as root" >&2; exit 1; }

work=$(mktemp -d /tmp/alliance-sim-slurm.XXXXXX)
chmod 755 "$work"
log() { echo "[slurm-test $(date +%T)] $*"; }

# --- install ---------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
    log "installing munge and slurm"
    added_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && added_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends munge slurmctld slurmd slurm-client >/dev/null
    [ "$added_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

# --- stop everything we started, whatever happens ---------------------------
started_munge=""
running() { # the live (not zombie) processes with this command name
    local pid
    for pid in $(pgrep -x "$1"); do
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] && echo "$pid"
    done
    return 0
}
stop_pid() { # pid, expected command name
    local pid=$1 name=$2
    [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$name" ] || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do [ -n "$(running "$name" | grep -x "$pid")" ] || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    sleep 0.2
}
cleanup() {
    set +e
    log "stopping slurm and munge"
    scancel --quiet --user=root 2>/dev/null
    scontrol shutdown 2>/dev/null
    for _ in $(seq 50); do [ -z "$(running slurmctld)$(running slurmd)" ] && break; sleep 0.1; done
    for name in slurmctld slurmd; do
        for pid in $(running "$name"); do stop_pid "$pid" "$name"; done
    done
    if [ -n "$started_munge" ]; then
        for pid in $(running munged); do stop_pid "$pid" munged; done
    fi
    for name in slurmctld slurmd munged; do
        if [ -n "$(running "$name")" ]; then log "FAIL: $name still running"; exit_code=1; fi
    done
    rm -rf "$work"
    exit "${exit_code:-0}"
}
trap 'exit_code=$?; cleanup' EXIT

# --- munge -----------------------------------------------------------------
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge && chown munge:munge /run/munge /var/log/munge /var/lib/munge
chmod 0755 /run/munge
if [ -z "$(running munged)" ]; then
    runuser -u munge -- /usr/sbin/munged --force
    started_munge=yes
fi
for _ in $(seq 50); do [ -S /run/munge/munge.socket.2 ] && break; sleep 0.1; done
[ -S /run/munge/munge.socket.2 ] || { log "FAIL: munged did not start"; tail /var/log/munge/munged.log; exit 1; }

# --- slurm.conf ------------------------------------------------------------
host=$(hostname -s)
node=$(slurmd -C | head -1 | sed "s/NodeName=[^ ]*/NodeName=$host/")
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
chown slurm:slurm /var/spool/slurmctld /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=alliance-sim-ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0,bf_interval=1,sched_interval=1
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
DependencyParameters=kill_invalid_depend
MinJobAge=300
MailProg=/bin/true
ReturnToService=2
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF

# --- daemons -----------------------------------------------------------------
log "starting slurmctld and slurmd"
slurmctld -c
slurmd
for _ in $(seq 100); do
    if scontrol ping 2>/dev/null | grep -q UP && sinfo -h -o %t 2>/dev/null | grep -qE '^idle'; then break; fi
    sleep 0.2
done
sinfo -h -o %t | grep -qE '^idle' || { log "FAIL: the node did not come up"; sinfo; exit 1; }

# --- the run -----------------------------------------------------------------
scenario=kazakhstan-2022 trials=3000000 seed=11 shards=5
out="$work/parts"
log "submitting $shards shards of $trials trials ($scenario, seed $seed)"
ids=$(ALLIANCE_SIM="$sim" "$here/submit.sh" "$scenario" "$trials" "$seed" "$shards" "$out")
array=$(echo "$ids" | sed -n 1p) merge=$(echo "$ids" | sed -n 2p)
for _ in $(seq 600); do
    [ -z "$(squeue -h -j "$array,$merge" 2>/dev/null)" ] && break
    sleep 0.5
done
states=$(scontrol show job "$array" -o | grep -o 'JobState=[A-Z_]*' | sort | uniq -c)
log "array $array: $(echo $states)"
completed=$(scontrol show job "$array" -o | grep -c 'JobState=COMPLETED' || true)
[ "$completed" -eq "$shards" ] || { log "FAIL: $completed of $shards tasks completed"; cat "$out"/slurm-*.out; exit 1; }
scontrol show job "$merge" -o | grep -q 'JobState=COMPLETED' || { log "FAIL: merge job did not complete"; cat "$out"/slurm-*.out; exit 1; }

# --- the check -----------------------------------------------------------------
"$sim" run "$scenario" --trials "$trials" --seed "$seed" > "$work/single.txt" 2>/dev/null
"$sim" run "$scenario" --trials "$trials" --seed "$seed" --format json > "$work/single.json" 2>/dev/null
cmp "$work/single.txt" "$out/summary.txt" || { log "FAIL: merged table differs from the single run"; exit 1; }
cmp "$work/single.json" "$out/summary.json" || { log "FAIL: merged JSON differs from the single run"; exit 1; }
log "PASS: $shards Slurm array tasks merged into exactly the single run (table and JSON)"
