#!/bin/sh
# PID 1 of the emulated KVM host (scripts/kvm-host), busybox sh. It
#   - loads virtio_pci, 9p and kvm_amd (the list in /etc/kvm-host/modules),
#   - mounts the host's root read-only at /host (9p tag hostroot), the writable shares
#     listed in the spool's `shares` file at their own paths under /host, and guest-private
#     proc, sysfs (with tracefs), devtmpfs (with the real /dev/kvm) and a tmpfs /run inside /host,
#   - keeps two idle KVM VMs open (kvm-hold: see scripts/lib/kvm_hold.c for why),
#   - writes a heartbeat line to ttyS1 every 5 s, which the host watches for hangs,
#   - runs jobs from the spool (9p tag spool, at /spool): a job is a directory job.ID with a
#     bash script `cmd`, claimed by creating job.ID/claimed; it runs chrooted into /host in its own session with its own
#     TMPDIR on the tmpfs; stdout and stderr go to out and err, the exit status to status;
#     a file `signal` holding a signal name is delivered to the job's process group,
#   - powers off when /spool/stop appears.
# Anything that goes wrong before the agent runs is reported as "FATAL <why>" on ttyS1
# and ends in a power-off, so the host never waits for a machine that cannot work.
PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

beat() { echo "$*" >/dev/ttyS1; }
fatal() {
  echo "kvm-host-init: FATAL $*"
  beat "FATAL $*"
  sync
  poweroff -f
  sleep 60
}

krel=$(uname -r)
while read -r m; do
  insmod "/lib/modules/$krel/$m" || fatal "insmod $m failed: $(dmesg | tail -n 2 | tr '\n' ' ')"
done </etc/kvm-host/modules
[ -c /dev/kvm ] || fatal "kvm_amd loaded but no /dev/kvm: $(dmesg | grep -iE 'kvm|svm' | tail -n 3 | tr '\n' ' ')"

p9='trans=virtio,version=9p2000.L,msize=262144'
mkdir -p /spool /host
mount -t 9p -o "$p9,cache=none" spool /spool || fatal "cannot mount the spool share"
mount -t 9p -o "$p9,cache=loose,ro" hostroot /host || fatal "cannot mount the host's root"
while read -r tag path; do
  [ -n "$tag" ] || continue
  mount -t 9p -o "$p9,cache=mmap" "$tag" "/host$path" || fatal "cannot mount share $tag at $path"
done </spool/shares
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
# KVM's tracepoints (vmm reads kvmmmu:kvm_mmu_set_spte to derive memory types).
mount -t tracefs nodev /host/sys/kernel/tracing 2>/dev/null || true
mount -t devtmpfs devtmpfs /host/dev
mkdir -p /host/dev/pts /host/dev/shm
mount -t devpts devpts /host/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm
mount -t tmpfs -o mode=755 tmpfs /host/run
mkdir -p /host/run/kvm-host

/bin/kvm-hold >/dev/console 2>&1 &
(while :; do beat "alive $(cut -d' ' -f1 /proc/uptime)"; sleep 5; done) &

# What the host learns about this machine once it is up.
{
  echo "kernel=$krel"
  echo "cpus=$(grep -c '^processor' /proc/cpuinfo)"
  echo "mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
  echo "svm=$(grep -qw svm /proc/cpuinfo && echo yes || echo no)"
  echo "npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null || echo ?)"
  echo "uptime=$(cut -d' ' -f1 /proc/uptime)"
} >/spool/ready.tmp
mv /spool/ready.tmp /spool/ready
beat "ready"

run_job() {  # $1 = job directory under /spool
  j=$1
  tmp=/run/kvm-host/${j##*/}
  mkdir -p "/host$tmp"
  # setsid: the job leads its own process group, so a signal reaches all of it.
  TMPDIR=$tmp TEST_TMPDIR=$tmp setsid chroot /host /bin/bash -s <"$j/cmd" >"$j/out" 2>"$j/err" &
  pid=$!
  echo "$pid" >"$j/pid"
  wait "$pid"
  rc=$?
  rm -rf "/host$tmp"
  echo "$rc" >"$j/status.tmp"
  mv "$j/status.tmp" "$j/status"
}

# Jobs vanish under this loop (the host removes a job once it has read its status), so
# nothing here may fail on a missing file; mkdir is the claim: it fails for a job already
# claimed, and for one already gone.
# It polls every 0.2 s for 10 s after it last claimed a job (a test's jobs follow each other),
# then once a second: each poll costs the one emulated CPU a fork and a 9p directory read,
# taken from the job running meanwhile or, idle, from the real machine's build.
agent() {
  local quiet=0
  while [ ! -e /spool/stop ]; do
    for j in /spool/job.*; do
      [ -e "$j" ] || continue   # the pattern itself: no job
      if mkdir "$j/claimed" 2>/dev/null; then
        quiet=0
        run_job "$j" &
      elif [ -e "$j/signal" ] && [ -e "$j/pid" ] && [ ! -e "$j/status" ]; then
        kill -s "$(cat "$j/signal" 2>/dev/null)" -- "-$(cat "$j/pid" 2>/dev/null)" 2>/dev/null
        rm -f "$j/signal"
      fi
    done
    if [ $quiet -lt 50 ]; then quiet=$((quiet + 1)); sleep 0.2; else sleep 1; fi
  done
}
# In a subshell: whatever happens to the agent, PID 1 itself never exits (that would panic).
(agent) || true
[ -e /spool/stop ] || fatal "the job agent stopped unexpectedly"

echo "kvm-host-init: stop requested; powering off"
for j in /spool/job.*; do
  [ -e "$j/pid" ] && [ ! -e "$j/status" ] && kill -s KILL -- "-$(cat "$j/pid")" 2>/dev/null
done
beat "poweroff"
sync
poweroff -f
sleep 60
