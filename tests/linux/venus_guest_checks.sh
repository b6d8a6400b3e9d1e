# shellcheck shell=bash
# The checks of the Venus guest test (run_venus_guest.sh), apart from its boot so that they
# can be run against saved output too. Source it after lib.sh and gl_guest_checks.sh (whose
# blob slot checks it shares, with the program's lines tagged VK-ROUNDTRIP); reads text,
# trace, report, rc and stderr_text (vmm's stderr), prints one CHECK line per check and sets
# failed=1 when one fails.
# shellcheck disable=SC2317  # the check functions are called via check()
# shellcheck disable=SC2154  # text, trace, report, rc, stderr_text: set by the caller

venus_features_ok() {  # the driver prints context_init on a line of its own
  local features
  features=$(grep -E '\[drm\] features:' <<<"$text" | tr '\n' ' ')
  for f in +virgl +resource_blob +host_visible +context_init; do
    grep -qF -- "$f" <<<"$features" || return 1
  done
}
venus_no_fail() { ! grep -qE '^VK-ROUNDTRIP FAIL' <<<"$text"; }
# vmm's start-up line: the renderer root's virglrenderer in its own process, Venus wire format
# 1 (the system's 0.10.4 speaks 0, which this guest's Mesa refuses).
renderer_is_the_process() {
  grep -E 'gpu renderer: virglrenderer [0-9.]+ in vmm-gpu-process' <<<"$stderr_text" |
    grep -qF 'Venus wire format 1'
}
# The report at the stop: the process still serving, its memory beside vmm's.
report_names_the_process() {
  local state bytes
  state=$(jq -r '.gpu_renderer.process.state // empty' "$report" 2>/dev/null)
  bytes=$(jq -r '.gpu_renderer.process.resident_bytes // empty' "$report" 2>/dev/null)
  bytes=$(num "renderer process resident_bytes" "$bytes") || return 1
  echo "  renderer process: $state, $((bytes >> 20)) MiB resident;" \
       "vmm own $(( $(jq -r '.resident_memory.own_bytes // 0' "$report") >> 20 )) MiB"
  [ "$state" = serving ] && [ "$bytes" -gt 0 ]
}
# What Venus reported for the program's memory (memory type -> map_info), for the memtype
# chase in docs/gpu.md: printed, not judged (cache_type_follows_map_info judges the slots).
venus_map_info_summary() {
  echo "  memory types the guest saw: $(grep -E '^VK-ROUNDTRIP MEMTYPE ' <<<"$text" | cut -d' ' -f3- | paste -sd';')"
  echo "  renderer map_info per blob slot: $(json_rows owner size renderer_map_info map_info <<<"$blob_adds" |
       tr '\x1f' ' ' | paste -sd';')"
}

venus_guest_checks() {
  prog_tag=VK-ROUNDTRIP
  read_blob_run
  check vmm_exit_0 test "$rc" -eq 0
  check guest_started has '^VMM-LINUX-GUEST START '
  check renderer_is_virglrenderer_in_its_process_wire_format_1 renderer_is_the_process
  check features_virgl_blob_host_visible_context_init venus_features_ok
  check host_memory_window has 'Host memory window: 0x[0-9a-f]+ \+0x[0-9a-f]+'
  check device_is_virtio_gpu_venus has '^VK-ROUNDTRIP DEVICE [0-9]+: Virtio-GPU Venus'
  check roundtrip_ok has '^VK-ROUNDTRIP OK bytes=[0-9]+ fnv1a=0x[0-9a-f]{8} src_fnv1a=0x[0-9a-f]{8}$'
  check roundtrip_no_fail venus_no_fail
  check guest_done_0 has '^VMM-LINUX-GUEST DONE 0$'
  blob_slot_checks
  check report_names_the_renderer_process report_names_the_process
  venus_map_info_summary
}
