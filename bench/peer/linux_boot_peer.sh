#!/usr/bin/env bash
# bench/peer: Debian's stock kernel and the same initramfs booted to its /init by vmm and by
# QEMU on the same KVM, N times each, interleaved. See bench/peer/README.md.
#
# usage: linux_boot_peer.sh --vmm PATH --guest-dir DIR [--boots N]
#            [--machines vmm,qemu-microvm,qemu-q35] [--mem 1G] [--logs DIR]
#            [--qemu PATH] [--timeout SEC] [--cmdline-extra STR]
#   --guest-dir  holds bzImage and initramfs.cpio.gz from scripts/build-linux-guest
#   --boots      boots per machine (default 3)
#   --logs       where each boot's console (the kernel log included) and stderr are kept
#                (default ./peer-logs)
#   --timeout    seconds a boot may take to reach /init before it is killed (default 300)
#   --cmdline-extra  more kernel parameters, given to every machine alike (initcall_debug)
#
# Run where KVM is: natively, or inside the emulated host
#   (scripts/kvm-host exec --build B -- bench/peer/linux_boot_peer.sh ...).
# Every machine boots the same kernel with the same command line:
#   console=ttyS0 reboot=k panic=-1 rdinit=/init vmmguest.bench=1
# /init prints "VMM-LINUX-GUEST INIT uptime=<first field of /proc/uptime>" first thing and
# then resets. At that line the script takes the wall time since it spawned the VMM and the
# VMM process's VmRSS; then it waits for the VMM to exit (killing it after --grace seconds).
# Output: one JSON document on stdout; progress on stderr.
# Exit: 0 when every boot reached /init, 1 when one did not (the JSON is still written),
#       2 usage error.
set -uo pipefail

say() { echo "linux_boot_peer: $*" >&2; }
usage_error() { echo "linux_boot_peer: $* (see --help)" >&2; exit 2; }
fail() { echo "linux_boot_peer: error: $*" >&2; exit 1; }

vmm= guest_dir= boots=3 machines=vmm,qemu-microvm,qemu-q35 mem=1G logs=$PWD/peer-logs
qemu=qemu-system-x86_64 timeout_s=300 grace_s=20 cmdline_extra=
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --vmm|--guest-dir|--boots|--machines|--mem|--logs|--qemu|--timeout|--grace|--cmdline-extra)
      [ $# -ge 2 ] || usage_error "$1 needs a value"
      case $1 in
        --vmm) vmm=$2 ;; --guest-dir) guest_dir=$2 ;; --boots) boots=$2 ;;
        --machines) machines=$2 ;; --mem) mem=$2 ;; --logs) logs=$2 ;; --qemu) qemu=$2 ;;
        --timeout) timeout_s=$2 ;; --grace) grace_s=$2 ;; --cmdline-extra) cmdline_extra=$2 ;;
      esac
      shift 2 ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done
[ -n "$vmm" ] || usage_error "--vmm PATH is required"
[ -n "$guest_dir" ] || usage_error "--guest-dir DIR is required"
[[ $boots =~ ^[1-9][0-9]*$ ]] || usage_error "--boots '$boots' is not a positive integer"
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || usage_error "--timeout '$timeout_s' is not a positive integer"
[[ $grace_s =~ ^[1-9][0-9]*$ ]] || usage_error "--grace '$grace_s' is not a positive integer"
[[ $mem =~ ^[1-9][0-9]*[MG]$ ]] || usage_error "--mem '$mem' is not a size like 512M or 1G"
IFS=, read -r -a machine_list <<<"$machines"
[ ${#machine_list[@]} -gt 0 ] || usage_error "--machines is empty"
for m in "${machine_list[@]}"; do
  case $m in vmm|qemu-microvm|qemu-q35) ;; *) usage_error "--machines: unknown machine '$m' (vmm, qemu-microvm, qemu-q35)" ;; esac
done
kernel=$guest_dir/bzImage initrd=$guest_dir/initramfs.cpio.gz
[ -f "$kernel" ] && [ -f "$initrd" ] ||
  fail "$guest_dir has no bzImage and initramfs.cpio.gz (scripts/build-linux-guest $guest_dir builds them)"
kernel=$(realpath "$kernel") initrd=$(realpath "$initrd")
gzip -dc "$initrd" 2>/dev/null | grep -ac 'vmmguest.bench=1' >/dev/null ||
  fail "$initrd's /init does not know vmmguest.bench=1 (rebuild it with scripts/build-linux-guest)"
if [[ ,$machines, == *,vmm,* ]]; then
  [ -x "$vmm" ] || fail "vmm binary '$vmm' is missing or not executable"
fi
if [[ ,$machines, == *,qemu-* ]]; then
  command -v "$qemu" >/dev/null || fail "$qemu not found (apt-get install qemu-system-x86)"
fi
[ -c /dev/kvm ] || fail "no /dev/kvm here: run it where KVM is, e.g. scripts/kvm-host exec -- $0 ..."
mkdir -p "$logs" || fail "cannot create --logs directory '$logs'"
logs=$(realpath "$logs")

release=$(sed -n 's/^kernel_release=//p' "$guest_dir/manifest.txt" 2>/dev/null)
[ -n "$release" ] || release=$(file -b "$kernel" | sed -n 's/.*version \([^ ]*\).*/\1/p')
cmdline="console=ttyS0 reboot=k panic=-1 rdinit=/init vmmguest.bench=1${cmdline_extra:+ $cmdline_extra}"

# The machines. Same kernel, initramfs, command line, RAM, one vCPU, no network, no disk, no
# display device on any of them; QEMU gets -cpu host as vmm hands the guest what KVM supports.
machine_cmd() {
  case $1 in
    vmm) cmd=("$vmm" --kernel "$kernel" --initrd "$initrd" --mem "$mem" --cpus 1
              --cmdline "$cmdline") ;;
    qemu-*) cmd=("$qemu" -accel kvm -M "${1#qemu-}" -cpu host -smp 1 -m "$mem"
                 -nodefaults -no-user-config -display none -monitor none -serial stdio
                 -no-reboot -kernel "$kernel" -initrd "$initrd" -append "$cmdline") ;;
  esac
}

now() { echo "${EPOCHREALTIME/,/.}"; }
runs=() notes=() failed=0
# One boot: sets init_uptime wall rss (empty when /init was not reached) and exit_note.
boot_once() {
  local machine=$1 n=$2 log=$logs/$1-$2.log fifo pid t0 t_marker line pending='' deadline
  machine_cmd "$machine"
  init_uptime= wall= rss= exit_note=
  fifo=$(mktemp -u "${TMPDIR:-/tmp}/peer-fifo.XXXXXX") && mkfifo "$fifo" || fail "cannot make a fifo"
  printf '%q ' "${cmd[@]}" >"$log.cmd"
  t0=$(now)
  "${cmd[@]}" </dev/null >"$fifo" 2>"$log.stderr" &
  pid=$!
  exec 5<"$fifo"
  rm -f "$fifo"
  : >"$log"
  deadline=$(( SECONDS + timeout_s ))
  local killed=0
  while :; do
    if IFS= read -r -t 2 line <&5; then
      line=$pending$line pending=
      printf '%s\n' "$line" >>"$log"
      if [ -z "$init_uptime" ] && [[ $line =~ VMM-LINUX-GUEST\ INIT\ uptime=([0-9]+\.[0-9]+) ]]; then
        t_marker=$(now)
        rss=$(awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$pid/status" 2>/dev/null)
        init_uptime=${BASH_REMATCH[1]}
        wall=$(awk -v a="$t0" -v b="$t_marker" 'BEGIN { printf "%.3f", b - a }')
        deadline=$(( SECONDS + grace_s ))
      fi
    else
      rc=$?
      if [ $rc -le 128 ]; then  # end of file: the VMM closed its stdout (exited)
        [ -n "$line" ] && printf '%s\n' "$pending$line" >>"$log"
        break
      fi
      pending=$pending$line     # timed out, maybe mid-line: keep what came
      if [ $SECONDS -ge $deadline ] && kill -0 "$pid" 2>/dev/null; then
        if [ $killed -eq 0 ]; then kill -TERM "$pid" 2>/dev/null; killed=1; deadline=$(( SECONDS + 10 ))
        else kill -KILL "$pid" 2>/dev/null; fi
      fi
    fi
  done
  exec 5<&-
  wait "$pid"; local status=$?
  if [ $killed -eq 1 ]; then
    exit_note="killed $([ -n "$init_uptime" ] && echo "${grace_s}s after /init" || echo "after ${timeout_s}s without reaching /init")"
  else
    exit_note="exited with status $status"
  fi
}

json_num() { [ -n "$1" ] && echo "$1" || echo null; }
json_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }

say "kernel $release, initramfs $initrd, $mem, $boots boots each of: ${machine_list[*]}"
say "command line: $cmdline; logs in $logs"
qemu_ver=$("$qemu" --version 2>/dev/null | head -n1)
declare -A exits=()
for n in $(seq 1 "$boots"); do
  for machine in "${machine_list[@]}"; do
    boot_once "$machine" "$n"
    say "$machine boot $n: /init at ${init_uptime:-?} s guest uptime, ${wall:-?} s wall, rss ${rss:-?} bytes; $exit_note"
    [ -n "$init_uptime" ] || failed=1
    exits[$machine]="${exits[$machine]:+${exits[$machine]}, }$exit_note"
    runs+=("{\"machine\":\"$machine\",\"boot\":$n,\"init_uptime_s\":$(json_num "$init_uptime"),\"wall_to_init_s\":$(json_num "$wall"),\"rss_bytes\":$(json_num "$rss")}")
  done
done

notes+=("same kernel, initramfs and command line for every machine: $cmdline")
notes+=("1 vCPU, $mem RAM, no network, no disk, no display or virtio-gpu device on any machine (vmm without --gpu; QEMU with -nodefaults)")
notes+=("QEMU: $qemu_ver, -accel kvm -cpu host -nodefaults -serial stdio -no-reboot; q35 runs SeaBIOS and its linuxboot option ROM before the kernel, microvm qboot")
notes+=("init_uptime_s is /proc/uptime's first field printed by /init; wall_to_init_s is from spawning the VMM process to reading that line; rss_bytes is that process's VmRSS at that line")
for machine in "${machine_list[@]}"; do notes+=("$machine after /init: ${exits[$machine]}"); done
[ $failed -eq 0 ] || notes+=("some boots did not reach /init: their fields are null; see $logs")
[ -r /proc/sys/kernel/osrelease ] && notes+=("host kernel $(cat /proc/sys/kernel/osrelease); cpu $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')")

{
  printf '{"kernel":%s,"initramfs":%s,"mem":%s,"boots":%d,"runs":[' \
    "$(json_str "$release")" "$(json_str "$initrd")" "$(json_str "$mem")" "$boots"
  sep=; for r in "${runs[@]}"; do printf '%s\n  %s' "$sep" "$r"; sep=,; done
  printf '],"notes":['
  sep=; for s in "${notes[@]}"; do printf '%s\n  %s' "$sep" "$(json_str "$s")"; sep=,; done
  printf ']}\n'
}
exit $failed
