// RendererProcess: vmm's handle on vmm-gpu-process, the process that hosts virglrenderer
// (issue 22: crosvm's GPU process, QEMU's vhost-user-gpu). vmm starts it (process_spawn.h:
// clean environment plus the renderer root's, own process group, parent-death signal,
// RLIMIT_DATA), talks to it over a SOCK_SEQPACKET socketpair (renderer_process_protocol.h),
// and supervises it through a pidfd, from the one thread that owns this object.
//
// The process is not trusted: every reply is decoded with bounded lengths, a reply that does
// not decode or is not the one asked for is a protocol error, and after a protocol error, a
// missed reply deadline or the process's death it is gone for good: it is killed if still
// there, one log line says what happened to which process, and every later request is an
// error naming that, never a vmm crash.
//
// Its memory bound: RLIMIT_DATA (private writable mappings: heap, anonymous memory, what
// llvmpipe and lavapipe allocate for resources) of --gpu-renderer-memory plus
// kProcessBaseMemory for Mesa's and LLVM's own. Not RLIMIT_AS, which also counts the address
// space the Vulkan driver and LLVM reserve without using it, and would refuse a start-up that
// holds little. The render server, a child of the process, inherits the same bound for itself.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "devices/gpu/process/renderer_process_message.h"
#include "devices/gpu/process/renderer_root.h"
#include "devices/gpu/renderer/renderer_kind.h"

namespace vmm::gpu::process {

inline constexpr std::uint64_t kProcessBaseMemory = 512ull << 20;
// What the probe's process is given (--gpu-renderer-memory's default): the renderer is not
// the device's yet, so the device's limit is not its.
inline constexpr std::uint64_t kDefaultProcessMemoryLimit = 1ull << 30;

class RendererProcess {
 public:
  struct Options {
    std::vector<std::string> command;      // argv; argv[0] is executed
    std::vector<std::string> environment;  // the whole environment
    std::uint64_t data_limit = 0;          // RLIMIT_DATA; 0 leaves vmm's
    // How long a reply may take before the process counts as hung (and is killed): a call's,
    // and the hello's, which waits for the renderer's start (EGL, LLVM, the render server:
    // about a second natively, a minute or more in the emulated KVM host's TCG).
    std::chrono::milliseconds reply_timeout{120000};
    std::chrono::milliseconds start_timeout{300000};
    std::string name = "vmm-gpu-process";  // for the log lines
  };

  // vmm-gpu-process PROGRAM for KIND under ROOT, bounded to MEMORY_LIMIT + kProcessBaseMemory.
  static Options options_for(const std::string& program, const RendererRoot& root,
                             RendererKind kind, std::uint64_t memory_limit);

  // nullptr with *error when it could not be started.
  static std::unique_ptr<RendererProcess> start(Options options, std::string* error);
  // Asks it to shut down (bounded by reply_timeout) and, failing that, kills it; reaps it.
  ~RendererProcess();

  pid_t pid() const { return pid_; }
  // "" while it serves; otherwise why it is gone ("killed by signal 9 (SIGKILL)", ...).
  const std::string& gone() const { return gone_; }

  std::optional<HelloReply> hello(std::string* error);
  // Shares the staging area and guest RAM (FDS: the staging memfd, then each range's).
  bool attach(const AttachRequest& request, std::span<const int> fds, std::string* error);
  // One renderer call; a MapBlob reply's fd lands in *fd_in (nullptr: none may come). An
  // answer with rc < 0 is still a reply: the renderer refused, and the process goes on.
  std::optional<CallReply> call(const CallRequest& request, UniqueFd* fd_in, std::string* error);
  // SIGKILL, as a crash would (tests: the next call finds it gone and says so).
  void kill_for_test();
  // The process answers and exits; true once it has been reaped.
  bool shutdown(std::string* error);

 private:
  explicit RendererProcess(Options options) : options_(std::move(options)) {}
  // Sends REQUEST and waits for a reply of type EXPECTED; its payload, or nullopt and *error
  // (and the process is gone, unless the reply was an Error message it may send).
  std::optional<Message> exchange(MessageType request, MessageType expected, std::string* error);
  std::optional<Message> exchange(MessageType request, std::span<const std::uint8_t> payload,
                                  std::span<const int> fds_out, MessageType expected,
                                  UniqueFd* fd_in, std::string* error);
  // Records why it is gone, kills and reaps it if needed, and logs it once.
  void mark_gone(const std::string& why);
  std::string gone_error() const;

  Options options_;
  pid_t pid_ = -1;
  UniqueFd channel_;
  UniqueFd pidfd_;
  std::string gone_;
};

}  // namespace vmm::gpu::process
