// The system-call policy of vmm-gpu-process (and of the render server it starts, which
// inherits it across fork and exec). The one place it is written down.
//
// First version: permissive, with reasons. What llvmpipe's and lavapipe's LLVM JIT, the
// Vulkan loader, glvnd and virglrenderer's render server call has not been characterised
// under this root's Mesa 26, and an allow-list written blind would kill the process on the
// first call it forgot. So everything is allowed except what no renderer has any business
// doing, each refused with EPERM (an error the library can report, not a kill that looks like
// a crash):
//   - reaching other processes or the kernel's state: ptrace, process_vm_readv/writev,
//     kexec_load/kexec_file_load, init/finit/delete_module, reboot, swapon/swapoff, acct,
//     syslog, settimeofday/clock_settime/clock_adjtime/adjtimex, iopl/ioperm, quotactl,
//     perf_event_open, bpf, userfaultfd, keyctl/add_key/request_key, fanotify_init;
//   - changing what the process sees of the filesystem: mount, umount2, pivot_root, chroot,
//     the new mount API (fsopen, fsmount, fsconfig, fspick, move_mount, open_tree,
//     mount_setattr), setns, unshare, open_by_handle_at/name_to_handle_at;
//   - the network: socket() of any family but AF_UNIX (the render server's socketpair is
//     AF_UNIX; nothing in it talks over a network).
// The next step (issue 22) replaces this with an allow-list learned under SCMP_ACT_LOG from
// a Venus and a virgl guest run, as vmm's own threads have (vmm/run/seccomp_allowlists.cc).
#pragma once

#include <string>

namespace vmm::gpu::process {

// Installs the policy on the calling process (all its threads: call it before any exists)
// with no_new_privs set. false with *error when the kernel refused it.
bool install_process_seccomp_policy(std::string* error);

}  // namespace vmm::gpu::process
