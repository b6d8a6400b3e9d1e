#include "vmm/run/seccomp_allowlists.h"

#include <asm/ioctls.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <iterator>
#include <string_view>

#include "vmm/kvm/kvm_uapi.h"

namespace vmm {

namespace {

constexpr std::uint64_t kAll = ~std::uint64_t{0};

ArgCheck arg_is(unsigned index, std::uint64_t value) { return {index, kAll, value}; }
// ioctl's request is an unsigned int in the kernel; compare only those 32 bits, so a
// request that reached ioctl sign-extended is still recognised.
ArgCheck request_is(std::uint32_t request) { return {1, 0xffffffffu, request}; }
ArgCheck bits_clear(unsigned index, std::uint64_t bits) { return {index, bits, 0}; }

class Rules {
 public:
  explicit Rules(AllowList& list) : list_(list) {}
  void allow(std::string_view syscall, std::string why, std::vector<ArgCheck> checks = {}) {
    list_.allowed.push_back({syscall, std::move(checks), std::move(why)});
  }
  void ioctl(std::uint32_t request, std::string why) {
    allow("ioctl", std::move(why), {request_is(request)});
  }
  void refuse(std::string_view syscall, int error, std::string why, std::vector<ArgCheck> checks) {
    list_.refused.push_back({{syscall, std::move(checks), std::move(why)}, error});
  }

 private:
  AllowList& list_;
};

// A build with sanitizers (VMM_SANITIZE) links their runtime, which makes calls of its own
// on every thread: found with --seccomp log and strace on an address,undefined build. Its
// reports read the memory map and the binary's symbols, so these lists may read files: they
// are test builds, and a report must come out whole, not as a seccomp violation.
void sanitizer_runtime_rules(Rules& r, const AllowListFacts& f) {
  if (!f.sanitizer_runtime) return;
  r.allow("pipe2", "sanitizer runtime: tests whether memory is readable by writing it to a pipe",
          {arg_is(1, 0)});
  r.allow("write", "sanitizer runtime: that test's write into the pipe; its reports");
  r.allow("close", "sanitizer runtime: closes that pipe and the files a report reads");
  r.allow("sigaltstack", "sanitizer runtime: removes a thread's alternate signal stack at its end");
  r.allow("madvise",
          "sanitizer runtime: its shadow and allocator mappings are left out of core dumps",
          {arg_is(2, MADV_DONTDUMP)});
  r.allow("madvise", "sanitizer runtime: ... and are not backed by huge pages",
          {arg_is(2, MADV_NOHUGEPAGE)});
  r.allow("sched_yield", "sanitizer runtime: its spin locks yield while they wait");
  for (std::string_view call : {"open", "openat"})
    r.allow(call, "sanitizer runtime: a report reads /proc/self/maps and the binary's symbols",
            {{call == "open" ? 1u : 2u, O_ACCMODE, O_RDONLY}});
  r.allow("readlink", "sanitizer runtime: a report names the binary (/proc/self/exe)");
  r.allow("read", "sanitizer runtime: a report reads those files");
  r.allow("newfstatat", "sanitizer runtime: ... and looks for separate debug files");
  r.allow("fcntl", "sanitizer runtime: ... and marks them close-on-exec");
  r.allow("lseek", "sanitizer runtime: ... and seeks in them");
  r.allow("pread64", "sanitizer runtime: ... and reads them at offsets");
  r.ioctl(TCGETS, "sanitizer runtime: a report asks whether stderr is a terminal (colours)");
}

// Every confined thread: ending the process, logging, and the memory glibc's malloc and the
// devices map. No mapping or protection change may make memory executable.
void common_rules(Rules& r, const AllowListFacts& f) {
  r.allow("exit_group",
          "ending the process: vmm's normal end, and the seccomp violation report's _exit");
  r.allow("getpid", "abort() and pthread_kill() address tgkill to this process");
  r.allow("gettid", "abort() signals this thread; spdlog notes the thread id of its first message");
  r.allow("tgkill", "abort() (std::terminate, a failed assertion) must still end vmm with SIGABRT",
          {arg_is(0, static_cast<std::uint64_t>(f.pid)), arg_is(2, SIGABRT)});
  r.allow("rt_sigprocmask",
          "glibc blocks signals around pthread_kill() and abort() and while a thread ends");
  r.allow("futex", "mutexes and condition variables (devices, the stop signal, the log)");
  r.allow("clock_gettime",
          "spdlog stamps every message; a system call only where the clocksource has no vDSO "
          "path");
  r.allow("brk", "malloc in the main arena (threads share it once there are many)");
  r.allow("mmap", "malloc's heaps and large blocks; guest-visible buffers; never executable",
          {bits_clear(2, PROT_EXEC)});
  r.allow("mprotect", "malloc makes its heaps writable as they grow; never executable",
          {bits_clear(2, PROT_EXEC)});
  r.allow("munmap", "free() of large blocks and of malloc heaps; devices unmap what they mapped");
  r.allow("madvise", "free() and a thread's end give pages back (MADV_DONTNEED only)",
          {arg_is(2, MADV_DONTNEED)});
  sanitizer_runtime_rules(r, f);
}

// Threads other than main end with exit(2), not exit_group.
void thread_end_rules(Rules& r) { r.allow("exit", "the thread's own end when the VM stops"); }

// The threads that may request the stop: StopSignal's callback kicks every vCPU out of
// KVM_RUN with pthread_kill(SIGRTMIN).
void kick_rules(Rules& r, const AllowListFacts& f) {
  r.allow("tgkill",
          "the stop kicks every vCPU thread out of KVM_RUN (the kick signal, this process only)",
          {arg_is(0, static_cast<std::uint64_t>(f.pid)),
           arg_is(2, static_cast<std::uint64_t>(f.kick_signal))});
}

// glibc's malloc reads /proc/sys/vm/overcommit_memory the first time it shrinks a thread's
// heap (and sysconf may read /sys for the CPU count). Refused, both fall back to defaults,
// so a read-only open is answered EACCES rather than stopping vmm. Nothing is opened.
void refuse_reading_files(Rules& r, const AllowListFacts& f) {
  if (f.sanitizer_runtime) return;  // those builds allow reading (sanitizer_runtime_rules)
  r.refuse(
      "openat", EACCES,
      "glibc's optional reads of /proc and /sys (malloc's overcommit check) fall back to defaults",
      {{2, O_ACCMODE, O_RDONLY}});
}

void vcpu_rules(Rules& r, const AllowListFacts& f) {
  common_rules(r, f);
  thread_end_rules(r);
  kick_rules(r, f);
  r.ioctl(KVM_RUN, "runs the guest");
  r.ioctl(KVM_GET_REGS, "the registers named in the message when the VM fails");
  r.ioctl(KVM_GET_SREGS, "the segment and control registers in that message; the paging registers a "
                         "blob's first touch derives its memory type from");
  r.ioctl(KVM_GET_MSRS, "IA32_PAT and the MTRRs at a blob's first touch (--derive-memtype)");
  r.ioctl(KVM_GET_VCPU_EVENTS, "an instruction KVM cannot emulate in guest user space gets the #UD KVM "
                               "would give it (first touch asks KVM for every emulation failure)");
  r.ioctl(KVM_SET_VCPU_EVENTS, "... queued with this");
  r.ioctl(KVM_IRQ_LINE, "the 8250's and PCI INTx interrupts (in-kernel IOAPIC)");
  r.ioctl(KVM_SIGNAL_MSI, "virtio-gpu's MSI-X messages");
  r.ioctl(KVM_SET_USER_MEMORY_REGION,
          "virtio-gpu maps and unmaps blobs as memslots and moves them with its BAR");
  r.ioctl(TCGETS, "stdio asks whether stdout is a terminal at the guest console's first byte");
  r.allow("write", "the guest console on stdout, the log on stderr, --memslot-trace lines");
  r.allow("newfstatat", "stdio sizes stdout's buffer at the console's first byte (fstat)",
          {arg_is(3, AT_EMPTY_PATH)});
  r.allow("memfd_create", "the memory of a HOST3D blob (RESOURCE_CREATE_BLOB)",
          {arg_is(1, MFD_CLOEXEC)});
  r.allow("ftruncate", "sizes that memfd");
  r.allow("close", "a blob's memfd when the guest frees the resource");
  r.allow("rt_sigreturn", "returning from the kick signal's (empty) handler at the stop");
  refuse_reading_files(r, f);
}

// Where a helper thread that only logs starts from: the common calls, its own end, the log
// on stderr and no other write, and no file opened for reading.
void logging_helper_rules(Rules& r, const AllowListFacts& f) {
  common_rules(r, f);
  thread_end_rules(r);
  r.allow("write", "the log, on stderr only", {arg_is(0, 2)});
  refuse_reading_files(r, f);
}

void signal_watch_rules(Rules& r, const AllowListFacts& f) {
  logging_helper_rules(r, f);
  kick_rules(r, f);
  r.allow("rt_sigtimedwait", "collects SIGINT and SIGTERM, polling every 100 ms for the stop");
}

void stdin_pump_rules(Rules& r, const AllowListFacts& f) {
  logging_helper_rules(r, f);
  r.allow("poll", "waits for stdin or for the stop's wake-up eventfd");
  r.allow("read", "what the user types, from stdin only",
          {arg_is(0, static_cast<std::uint64_t>(f.stdin_fd))});
  r.ioctl(KVM_IRQ_LINE, "the 8250 raises its receive interrupt for the bytes it queued");
}

// The main thread waits for the stop, joins the threads, writes what was asked for at exit
// and tears the machine down.
//
// Writing the outputs is the one place where a path is opened after set-up: the report
// (vmm/report/run_report) and the PNG (devices/gpu/png_writer) are written by functions
// that take a path, and both must be written when the VM stops, not before. Opening them
// at set-up and handing the writers the fds would take openat out of this list; until
// those writers take fds, main may open files only for writing, created and truncated
// (what fopen "w" and std::ofstream ask for), and only when --report or --gpu-screenshot
// was given. Without them no thread can open a file after set-up.
void main_thread_rules(Rules& r, const AllowListFacts& f) {
  common_rules(r, f);
  r.allow("write",
          "the log and the memslot table at exit on stderr, the output files, trace lines");
  r.allow("writev", "std::ofstream (the report) writes its buffer and the rest in one writev");
  r.ioctl(KVM_SET_USER_MEMORY_REGION, "tear-down removes the blob memslots virtio-gpu still holds");
  r.ioctl(KVM_GET_TSC_KHZ, "--report turns the guest probe's cycles into MB/s with KVM's TSC rate");
  r.ioctl(KVM_GET_SREGS, "the derivation at the stop walks every vCPU's page tables (--derive-memtype)");
  r.ioctl(KVM_GET_MSRS, "... with its IA32_PAT and MTRRs");
  r.ioctl(TCGETS, "stdio asks whether an output file is a terminal at its first write");
  r.allow("newfstatat", "stdio sizes an output file's buffer at its first write (fstat)",
          {arg_is(3, AT_EMPTY_PATH)});
  r.allow("close", "closing the output files; tear-down closes the VM, vCPU and blob fds");
  // The stop's own kick runs on the thread that asked for the stop, possibly after main
  // woke: main kicks once more before it joins the vCPU threads, so none is left in KVM_RUN.
  kick_rules(r, f);
  if (f.main_opens_files) {
    // O_CLOEXEC is the one flag a caller may add; anything else (reading, O_PATH,
    // O_APPEND, O_DIRECTORY, ...) is not allowed. See the comment above for why at all.
    constexpr std::uint64_t kFlags = O_WRONLY | O_CREAT | O_TRUNC;
    r.allow("openat", "--report / --gpu-screenshot: created and truncated for writing at exit",
            {{2, ~std::uint64_t{O_CLOEXEC}, kFlags}});
  }
  if (f.main_reads_fd >= 0)
    r.allow("pread64", "--report: vmm's resident memory, from /proc/self/smaps opened at set-up",
            {arg_is(0, static_cast<std::uint64_t>(f.main_reads_fd))});
  if (f.main_removes_files)
    r.allow("unlink",
            "--gpu-screenshot: a PNG whose writing failed is removed, not left half-written");
  refuse_reading_files(r, f);
}

// The render thread (--gpu-renderer) runs code vmm did not write: virglrenderer parses the
// guest's command streams, and Mesa compiles the guest's shaders and runs them (llvmpipe
// JITs them with LLVM, so this list, unlike the others, lets memory become executable).
// Everything that needs a path happened before it confined itself: the libraries were
// loaded, the EGL display and the GPU's render node opened, llvmpipe's rasterizer threads
// started (those threads predate the filter and stay unconfined: seccomp filters cover
// only threads created after them). Mesa's shader cache, which would open files as shaders
// compile, is turned off for the renderer (MESA_SHADER_CACHE_DISABLE, unless the user set
// it). Found with --seccomp log on the Linux virgl guest test (README "seccomp").
void renderer_rules(Rules& r, const AllowListFacts& f) {
  r.allow("exit_group", "ending the process (a fatal error in the renderer)");
  r.allow("exit", "the thread's own end, and the end of threads the drivers started");
  r.allow("getpid", "abort() and pthread_kill() address tgkill to this process");
  r.allow("gettid", "abort(); Mesa names its threads by id");
  r.allow("tgkill", "abort() must still end vmm with SIGABRT",
          {arg_is(0, static_cast<std::uint64_t>(f.pid)), arg_is(2, SIGABRT)});
  r.allow("rt_sigprocmask", "glibc blocks signals around thread creation and abort()");
  r.allow("futex", "the device mutex, the render thread's task hand-off, the drivers' locks");
  r.allow("clock_gettime", "fence timeouts and spdlog stamps where the vDSO has no path");
  r.allow("clock_nanosleep", "the drivers' fence waits sleep");
  r.allow("nanosleep", "... and so do older code paths");
  r.allow("sched_yield", "the drivers' spin waits yield");
  r.allow("brk", "malloc");
  r.allow("mmap", "malloc, the drivers' buffers and LLVM's JIT code (executable: see above)");
  r.allow("mprotect", "malloc; LLVM makes JIT'd shader code executable after writing it");
  r.allow("munmap", "free(), the drivers' buffers");
  r.allow("mremap", "the drivers grow buffers");
  r.allow("madvise", "free() and the drivers give pages back");
  r.allow("poll", "the render thread waits for a queue notification or a fence");
  r.allow("ppoll", "... the same through ppoll");
  r.allow("read", "the wake-up eventfd and virglrenderer's fence eventfd");
  r.allow("write", "eventfds, the log on stderr, --memslot-trace lines");
  r.allow("close", "fds the drivers open and close (fence sync files, dma-bufs)");
  r.allow("dup", "the drivers duplicate fence and buffer fds");
  r.allow("dup3", "... and this way");
  r.allow("fcntl", "... and mark them close-on-exec");
  r.allow("eventfd2", "virglrenderer's per-context fence eventfds (Venus contexts)");
  r.allow("memfd_create", "lavapipe's and virglrenderer's shareable memory (Venus blobs)");
  r.allow("ftruncate", "sizes that memory");
  r.allow("newfstatat", "the drivers look at fds they were given (fstat)");
  r.allow("lseek", "the drivers size dma-bufs by seeking");
  r.allow("clone", "Venus contexts and the drivers start threads (threads only)",
          {{0, CLONE_THREAD, CLONE_THREAD}});
  // clone3's flags are in memory, where a filter cannot look: allowed, it would undo the
  // CLONE_THREAD rule above. Refused with ENOSYS, glibc's pthread_create falls back to clone.
  r.refuse("clone3", ENOSYS, "pthread_create falls back to clone, whose flags the rule above checks", {});
  r.allow("set_robust_list", "each new thread registers its robust futex list");
  r.allow("rseq", "each new thread registers its restartable sequences");
  r.allow("prctl", "the drivers name their threads (PR_SET_NAME)", {arg_is(0, PR_SET_NAME)});
  r.allow("sched_getaffinity", "the drivers size their thread pools by the CPUs they may use");
  r.allow("sysinfo", "LLVM and Mesa ask how much memory there is");
  r.allow("getrandom", "the drivers seed hash tables");
  if (f.renderer_reads_fd >= 0)
    r.allow("pread64", "the process's anonymous memory after each renderer command (the memory bound), "
                       "from /proc/self/statm opened at set-up",
            {arg_is(0, static_cast<std::uint64_t>(f.renderer_reads_fd))});
  r.allow("rt_sigreturn", "returning from a signal handler");
  if (f.renderer_process_pid > 0) {
    // The renderer in vmm-gpu-process (devices/gpu/process/process_renderer.h): each call is
    // a datagram out and one back, a mapped blob's fd beside it; one that stops answering is
    // killed and reaped through its pidfd.
    r.allow("sendmsg", "renderer calls to vmm-gpu-process (and Attach's fds)");
    r.allow("recvmsg", "its replies, a mapped blob's fd with them (SCM_RIGHTS)");
    r.allow("kill", "a renderer process that stopped answering is killed (SIGKILL, it only)",
            {arg_is(0, static_cast<std::uint64_t>(f.renderer_process_pid)), arg_is(1, SIGKILL)});
    r.allow("waitid", "... and reaped through its pidfd", {arg_is(0, 3 /* P_PIDFD */)});
  }
  r.ioctl(KVM_SET_USER_MEMORY_REGION, "MAP_BLOB and UNMAP_BLOB add and remove blob memslots");
  r.ioctl(KVM_SIGNAL_MSI, "virtio-gpu's MSI-X messages for answered commands and fences");
  r.ioctl(KVM_IRQ_LINE, "... and its INTx line without MSI-X");
  r.allow("ioctl", "a GPU's render node: DRM ioctls ('d')", {{1, 0xff00, 0x6400}});
  r.allow("ioctl", "dma-buf sync ioctls ('b') on the drivers' buffers", {{1, 0xff00, 0x6200}});
  refuse_reading_files(r, f);
  sanitizer_runtime_rules(r, f);  // the renderer has no common_rules, which add them elsewhere
}

// The reader of KVM's tracepoint buffers (vmm/kvm/spte_tracer): their per-CPU files were
// opened at set-up; it reads them, and as it ends closes them and removes its tracefs
// instance (a directory), so that no other thread needs rmdir.
void spte_reader_rules(Rules& r, const AllowListFacts& f) {
  logging_helper_rules(r, f);
  r.allow("read", "the per-CPU trace_pipe_raw files of vmm's tracefs instance");
  r.allow("close", "... closed as the thread ends");
  r.allow("rmdir", "... and the instance removed (tracefs_instance_destroy)");
}

// The --control socket's thread (vmm/control/control_server): one poll() loop over the
// listening socket, which was bound at set-up, and its clients. It carries out the
// commands: reads of the machine's state, the pause (kicks and a guest page walk), the
// screenshot (a PNG written by path, as at exit), and at its end removes the socket.
void control_rules(Rules& r, const AllowListFacts& f) {
  common_rules(r, f);
  thread_end_rules(r);
  kick_rules(r, f);  // pause: every vCPU out of KVM_RUN, as the stop does; stop: the stop itself
  r.allow("poll", "waits for clients, new connections, events and the stop's wake-up eventfd");
  r.allow("accept4", "takes a new client from the listening socket (non-blocking, close-on-exec)");
  r.allow("getsockopt", "SO_PEERCRED: a peer of another uid is closed at once",
          {arg_is(1, SOL_SOCKET), arg_is(2, SO_PEERCRED)});
  r.allow("recvfrom", "reads the clients' requests (recv)");
  r.allow("sendto", "answers and events to the clients (send with MSG_NOSIGNAL)");
  r.allow("read", "clears the event feed's eventfd");
  r.allow("write", "the log; the event feed's eventfd and --memslot-trace lines for the derivations a "
                   "pause makes");
  r.allow("close", "a client that left or was refused; the PNG a screenshot wrote");
  r.ioctl(KVM_GET_SREGS, "pause derives the memory types by walking every vCPU's page tables, as at the stop");
  r.ioctl(KVM_GET_MSRS, "... with its IA32_PAT and MTRRs");
  if (f.main_reads_fd >= 0)
    r.allow("pread64", "report: vmm's resident memory, from /proc/self/smaps opened at set-up",
            {arg_is(0, static_cast<std::uint64_t>(f.main_reads_fd))});
  if (f.control) {
    r.allow("newfstatat", "at its end: is the socket's path still this socket (lstat)?",
            {arg_is(3, AT_SYMLINK_NOFOLLOW)});
    r.allow("unlink", "... then it is removed; a PNG whose writing failed is removed too");
  }
  if (f.control_screenshots) {
    constexpr std::uint64_t kFlags = O_WRONLY | O_CREAT | O_TRUNC;
    r.allow("openat", "screenshot: the PNG at the client's absolute path, created and truncated for writing",
            {{2, ~std::uint64_t{O_CLOEXEC}, kFlags}});
    r.allow("newfstatat", "stdio sizes the PNG's buffer at its first write (fstat)", {arg_is(3, AT_EMPTY_PATH)});
    r.ioctl(TCGETS, "stdio asks whether the PNG's file is a terminal at its first write");
  }
  refuse_reading_files(r, f);
}

// One row per thread: what vmm's messages (the violation line among them) call it, and the
// rules of its list.
struct RoleRow {
  ThreadRole role;
  std::string_view name;
  void (*rules)(Rules&, const AllowListFacts&);
};

constexpr RoleRow kRoles[] = {
    {ThreadRole::Vcpu, "vCPU", vcpu_rules},
    {ThreadRole::SignalWatch, "signal watcher", signal_watch_rules},
    {ThreadRole::StdinPump, "stdin pump", stdin_pump_rules},
    {ThreadRole::Main, "main", main_thread_rules},
    {ThreadRole::Renderer, "renderer", renderer_rules},
    {ThreadRole::SpteReader, "KVM entry reader", spte_reader_rules},
    {ThreadRole::Control, "control socket", control_rules},
};
// A role without a row would get an empty list (and tests check that none is empty).
static_assert(std::size(kRoles) == std::size(kThreadRoles), "every ThreadRole has a row");

// nullptr for a value outside the enum (a cast from a bad number).
const RoleRow* row_of(ThreadRole role) {
  for (const RoleRow& row : kRoles)
    if (row.role == role) return &row;
  return nullptr;
}

}  // namespace

std::string_view to_string(ThreadRole role) {
  const RoleRow* row = row_of(role);
  return row ? row->name : "?";
}

AllowList allow_list(ThreadRole role, const AllowListFacts& facts) {
  AllowList list;
  Rules rules(list);
  if (const RoleRow* row = row_of(role)) row->rules(rules, facts);
  return list;
}

}  // namespace vmm
