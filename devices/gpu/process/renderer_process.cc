#include "devices/gpu/process/renderer_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "devices/gpu/process/message_channel.h"
#include "devices/gpu/process/process_spawn.h"

namespace vmm::gpu::process {

namespace {

// What the user may set to look into the renderer (Mesa's and the Vulkan loader's debug
// switches, llvmpipe's thread count); nothing else of vmm's environment reaches the process.
constexpr const char* kPassedThrough[] = {
    "MESA_DEBUG", "LIBGL_DEBUG", "EGL_LOG_LEVEL", "VN_DEBUG", "VKR_DEBUG", "VK_LOADER_DEBUG",
    "LP_NUM_THREADS", "MESA_LOADER_DRIVER_OVERRIDE", "LIBGL_ALWAYS_SOFTWARE",
    "VMM_GPU_PROCESS_TRACE",
};

// How long a process that was asked to shut down, or killed, gets to be reaped.
constexpr int kReapMs = 2000;

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  int rc;
  do {
    rc = poll(&p, 1, timeout_ms);
  } while (rc < 0 && errno == EINTR);
  return rc > 0;
}

}  // namespace

RendererProcess::Options RendererProcess::options_for(const std::string& program,
                                                      const RendererRoot& root, RendererKind kind,
                                                      std::uint64_t memory_limit) {
  Options o;
  o.command = root.command(program, {"--kind", std::string(to_string(kind)), "--root", root.path});
  o.environment = root.environment();
  o.environment.push_back("PATH=/usr/bin:/bin");
  // The process's seccomp policy and the read-only cache both say no files are written for
  // shaders: Mesa compiles them again each start.
  o.environment.push_back("MESA_SHADER_CACHE_DISABLE=true");
  for (const char* name : kPassedThrough)
    if (const char* value = std::getenv(name)) o.environment.push_back(std::string(name) + "=" + value);
  o.data_limit = memory_limit + kProcessBaseMemory;
  return o;
}

std::unique_ptr<RendererProcess> RendererProcess::start(Options options, std::string* error) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    *error = std::string("socketpair: ") + std::strerror(errno);
    return nullptr;
  }
  UniqueFd ours(sv[0]), theirs(sv[1]);
  std::unique_ptr<RendererProcess> p(new RendererProcess(std::move(options)));
  SpawnSpec spec{p->options_.command, p->options_.environment, theirs.get(), p->options_.data_limit};
  auto spawned = spawn_confined(spec, error);
  if (!spawned) return nullptr;
  p->pid_ = spawned->pid;
  p->pidfd_ = std::move(spawned->pidfd);
  p->channel_ = std::move(ours);
  return p;
}

RendererProcess::~RendererProcess() {
  if (gone_.empty()) {
    std::string error;
    if (!shutdown(&error)) spdlog::debug("{} {}: {}", options_.name, pid_, error);
  }
}

std::string RendererProcess::gone_error() const {
  return "the renderer process " + std::to_string(pid_) + " (" + options_.name + ") is gone: " + gone_;
}

void RendererProcess::mark_gone(const std::string& why) {
  if (!gone_.empty()) return;
  std::string end = reap_if_exited(pidfd_.get());
  if (end.empty()) {
    kill(pid_, SIGKILL);
    wait_readable(pidfd_.get(), kReapMs);
    end = reap_if_exited(pidfd_.get());
    end = "vmm killed it" + (end.empty() ? std::string(", not yet reaped") : ": " + end);
  }
  gone_ = why.empty() ? end : why + " (" + end + ")";
  channel_.reset();
  spdlog::warn("gpu renderer process {} ({}): {}", pid_, options_.name, gone_);
}

std::optional<Message> RendererProcess::exchange(MessageType request, MessageType expected,
                                                 std::string* error) {
  return exchange(request, {}, {}, expected, nullptr, error);
}

std::optional<Message> RendererProcess::exchange(MessageType request,
                                                 std::span<const std::uint8_t> payload,
                                                 std::span<const int> fds_out, MessageType expected,
                                                 UniqueFd* fd_in, std::string* error) {
  if (!gone_.empty()) {
    *error = gone_error();
    return std::nullopt;
  }
  if (!send_datagram(channel_.get(), encode_message(request, payload), fds_out, error)) {
    mark_gone("sending " + message_type_name(request) + " failed (" + *error + ")");
    *error = gone_error();
    return std::nullopt;
  }
  pollfd fds[2] = {{channel_.get(), POLLIN, 0}, {pidfd_.get(), POLLIN, 0}};
  const auto timeout = request == MessageType::Hello ? options_.start_timeout : options_.reply_timeout;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const int rc = poll(fds, 2, left.count() > 0 ? static_cast<int>(left.count()) : 0);
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) {
      mark_gone("no " + message_type_name(expected) + " within " +
                std::to_string(timeout.count()) + " ms");
      *error = gone_error();
      return std::nullopt;
    }
    // A reply it sent before dying is still read: the channel first.
    if (fds[0].revents != 0) break;
    if (fds[1].revents != 0) {
      mark_gone("");
      *error = gone_error();
      return std::nullopt;
    }
  }
  Datagram d;
  std::string why;
  switch (recv_datagram(channel_.get(), &d, &why)) {
    case RecvStatus::Closed:
      wait_readable(pidfd_.get(), kReapMs);  // closed because it is ending: say how
      mark_gone("closed its socket");
      *error = gone_error();
      return std::nullopt;
    case RecvStatus::Error:
      mark_gone("protocol error: " + why);
      *error = gone_error();
      return std::nullopt;
    case RecvStatus::Ok: break;
  }
  const auto protocol_error = [&](const std::string& what) -> std::optional<Message> {
    mark_gone("protocol error: " + what);
    *error = gone_error();
    return std::nullopt;
  };
  auto message = decode_message(d.bytes, &why);
  if (!message) return protocol_error(why);
  // Only a call reply may carry an fd, and one at most, and only where the caller takes
  // one (MapBlob); any other that came is closed here.
  const std::size_t fds_allowed = fd_in != nullptr && message->type == expected ? 1 : 0;
  if (d.fds.size() > fds_allowed)
    return protocol_error(std::to_string(d.fds.size()) + " unexpected fds with a " +
                          message_type_name(message->type));
  if (!d.fds.empty()) *fd_in = std::move(d.fds[0]);
  if (message->type == MessageType::Error) {
    // The process's own refusal: it is still in step with vmm.
    auto e = decode_error(message->payload, &why);
    if (!e) return protocol_error(why);
    *error = options_.name + " refused " + message_type_name(request) + ": " + e->message;
    return std::nullopt;
  }
  if (message->type != expected)
    return protocol_error("a " + message_type_name(message->type) + " in answer to " +
                          message_type_name(request));
  return message;
}

std::optional<HelloReply> RendererProcess::hello(std::string* error) {
  auto m = exchange(MessageType::Hello, MessageType::HelloReply, error);
  if (!m) return std::nullopt;
  std::string why;
  auto reply = decode_hello_reply(m->payload, &why);
  if (!reply) {
    mark_gone("protocol error: hello reply: " + why);
    *error = gone_error();
  }
  return reply;
}

bool RendererProcess::attach(const AttachRequest& request, std::span<const int> fds,
                             std::string* error) {
  const auto payload = encode_attach(request);
  auto m = exchange(MessageType::Attach, payload, fds, MessageType::AttachReply, nullptr, error);
  if (!m) return false;
  std::string why;
  if (!decode_empty(m->payload, &why)) {
    mark_gone("protocol error: attach reply: " + why);
    *error = gone_error();
    return false;
  }
  return true;
}

std::optional<CallReply> RendererProcess::call(const CallRequest& request, UniqueFd* fd_in,
                                               std::string* error) {
  const auto payload = encode_call(request);
  auto m = exchange(MessageType::Call, payload, {}, MessageType::CallReply, fd_in, error);
  if (!m) return std::nullopt;
  std::string why;
  auto reply = decode_call_reply(m->payload, &why);
  if (!reply) {
    mark_gone("protocol error: " + call_op_name(request.op) + " reply: " + why);
    *error = gone_error();
  }
  return reply;
}

void RendererProcess::kill_for_test() {
  if (gone_.empty() && pid_ > 0) kill(pid_, SIGKILL);
}

bool RendererProcess::shutdown(std::string* error) {
  auto m = exchange(MessageType::Shutdown, MessageType::ShutdownReply, error);
  std::string why;
  if (m && !decode_empty(m->payload, &why)) {
    mark_gone("protocol error: shutdown reply: " + why);
    *error = gone_error();
    return false;
  }
  if (!m) return false;
  // It exits after answering; reaped here, or killed once kReapMs have passed.
  wait_readable(pidfd_.get(), kReapMs);
  std::string end = reap_if_exited(pidfd_.get());
  if (end.empty()) {
    kill(pid_, SIGKILL);
    wait_readable(pidfd_.get(), kReapMs);
    end = "did not exit after its shutdown reply; killed: " + reap_if_exited(pidfd_.get());
    spdlog::warn("gpu renderer process {} ({}): {}", pid_, options_.name, end);
  }
  gone_ = "shut down (" + end + ")";
  channel_.reset();
  return true;
}

}  // namespace vmm::gpu::process
