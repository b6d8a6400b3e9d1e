// vmm-gpu-process: the process that hosts virglrenderer for vmm (renderer_process.h starts
// it). It runs under the renderer root's loader and libraries (renderer_root.h), confines
// itself (process_seccomp_policy.h), initialises virglrenderer for the contexts asked for,
// and serves vmm's requests on fd 3 (renderer_process_protocol.h) until vmm asks it to shut
// down or closes its end.
//
// usage: vmm-gpu-process --kind virgl|venus|all --root ROOT
// exit:  0 shut down or vmm gone, 2 usage, 3 no channel on fd 3, 4 confinement refused,
//        5 the renderer could not start (its reason on stderr, and in an Error reply).
#include <execinfo.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "devices/gpu/process/hosted_renderer.h"
#include "devices/gpu/process/message_channel.h"
#include "devices/gpu/process/process_seccomp_policy.h"
#include "devices/gpu/process/renderer_call_server.h"
#include "devices/gpu/process/renderer_process_message.h"

namespace vmm::gpu::process {
namespace {

int fail(int code, const std::string& why) {
  std::fprintf(stderr, "vmm-gpu-process: %s\n", why.c_str());
  return code;
}

bool reply(MessageType type, const std::vector<std::uint8_t>& payload, std::span<const int> fds = {}) {
  std::string error;
  const auto bytes = encode_message(type, payload);
  if (send_datagram(kChannelFd, bytes, fds, &error)) return true;
  std::fprintf(stderr, "vmm-gpu-process: cannot answer vmm: %s\n", error.c_str());
  return false;
}

// VMM_GPU_PROCESS_TRACE=1 (passed through by vmm): one stderr line per call and its answer,
// for debugging a guest's driver against the renderer; unbounded, so never on by default.
bool trace_calls() {
  static const bool on = [] {
    const char* v = std::getenv("VMM_GPU_PROCESS_TRACE");
    return v != nullptr && std::string_view(v) == "1";
  }();
  return on;
}

bool reply_error(ErrorCode code, const std::string& message) {
  return reply(MessageType::Error, encode_error({code, message}));
}

// Answers one decoded request; false when vmm can no longer be answered.
bool answer(const Message& message, std::vector<UniqueFd> fds, HostedRenderer* renderer,
            RendererCallServer& calls, const std::string& start_error) {
  std::string error;
  const std::string name = message_type_name(message.type);
  switch (message.type) {
    case MessageType::Hello:
      if (!decode_empty(message.payload, &error)) return reply_error(ErrorCode::BadMessage, name + ": " + error);
      if (renderer == nullptr) return reply_error(ErrorCode::BadMessage, start_error);
      return reply(MessageType::HelloReply, encode_hello_reply(renderer->hello()));
    case MessageType::Attach: {
      auto request = decode_attach(message.payload, &error);
      if (!request || !calls.attach(*request, std::move(fds), &error))
        return reply_error(ErrorCode::BadMessage, name + ": " + error);
      return reply(MessageType::AttachReply, {});
    }
    case MessageType::Call: {
      auto call = decode_call(message.payload, &error);
      if (!call) return reply_error(ErrorCode::BadMessage, name + ": " + error);
      if (renderer == nullptr) return reply_error(ErrorCode::BadMessage, start_error);
      UniqueFd fd;
      const CallReply answer = calls.serve(*call, &fd);
      if (trace_calls()) {
        std::string line = "vmm-gpu-process: call " + call_op_name(call->op) + "(";
        for (std::uint64_t a : call->args) line += std::to_string(a) + ",";
        line += ") staged " + std::to_string(call->staged) + " -> rc " + std::to_string(answer.rc) + " [";
        for (std::uint64_t v : answer.values) line += std::to_string(v) + ",";
        std::fprintf(stderr, "%s] staged %llu\n", line.c_str(), static_cast<unsigned long long>(answer.staged));
      }
      const int fd_out[1] = {fd.get()};
      return reply(MessageType::CallReply, encode_call_reply(answer),
                   fd.valid() ? std::span<const int>(fd_out) : std::span<const int>());
    }
    default:
      return reply_error(ErrorCode::UnknownRequest, "vmm-gpu-process does not serve " + name);
  }
}

// Serves requests until shutdown or vmm's end closes. A request that does not decode gets an
// Error reply and the process goes on: vmm is the trusted side, but a bad message is still
// answered, not crashed on.
int serve(HostedRenderer* renderer, RendererCallServer& calls, const std::string& start_error) {
  for (;;) {
    Datagram d;
    std::string error;
    switch (recv_datagram(kChannelFd, &d, &error)) {
      case RecvStatus::Closed: return 0;
      case RecvStatus::Error:
        if (!reply_error(ErrorCode::BadMessage, error)) return 0;
        continue;
      case RecvStatus::Ok: break;
    }
    auto message = decode_message(d.bytes, &error);
    if (!message) {
      if (!reply_error(ErrorCode::BadMessage, error)) return 0;
      continue;
    }
    if (message->type == MessageType::Shutdown) {
      reply(MessageType::ShutdownReply, {});
      return 0;
    }
    if (!answer(*message, std::move(d.fds), renderer, calls, start_error)) return 0;
  }
}

// A crash in the renderer (virglrenderer, Mesa, LLVM's JIT'd code) ends only this process;
// vmm sees its socket close and says so. Before it ends, where it was goes to stderr (vmm's):
// the signal, the faulting address and the frames as module(+offset), for addr2line.
void on_fatal_signal(int sig, siginfo_t* info, void*) {
  char line[96];
  const int n = std::snprintf(line, sizeof line, "vmm-gpu-process: fatal signal %d at address %p; frames:\n",
                              sig, info->si_addr);
  if (n > 0) (void)!write(2, line, static_cast<std::size_t>(n));
  void* frames[48];
  backtrace_symbols_fd(frames, backtrace(frames, 48), 2);
  signal(sig, SIG_DFL);
  raise(sig);
}

void report_fatal_signals() {
  void* frames[1];
  backtrace(frames, 1);  // loads libgcc's unwinder now, not inside the handler
  struct sigaction sa{};
  sa.sa_sigaction = on_fatal_signal;
  sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) sigaction(sig, &sa, nullptr);
}

int run(int argc, char** argv) {
  report_fatal_signals();
  std::string kind_name, root_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--kind") kind_name = argv[i + 1];
    else if (flag == "--root") root_path = argv[i + 1];
    else return fail(2, "unknown argument " + std::string(flag));
  }
  const auto kind = kRendererKindNames.parse(kind_name);
  if (!kind || *kind == RendererKind::None || root_path.empty() || argc % 2 == 0)
    return fail(2, "usage: vmm-gpu-process --kind virgl|venus|all --root ROOT");
  struct stat st{};
  if (fstat(kChannelFd, &st) != 0 || !S_ISSOCK(st.st_mode))
    return fail(3, "fd 3 is not a socket: vmm-gpu-process is started by vmm, not by hand");
  std::string error;
  if (!install_process_seccomp_policy(&error)) return fail(4, error);
  auto root = find_renderer_root(root_path, &error);
  RendererCallServer calls;
  std::unique_ptr<HostedRenderer> renderer;
  if (root) renderer = HostedRenderer::create(*kind, *root, calls.fence_sink(), &error);
  if (!renderer) {
    // Said on stderr and to vmm's hello, which is how vmm learns why.
    std::fprintf(stderr, "vmm-gpu-process: %s\n", error.c_str());
    serve(nullptr, calls, error);
    return 5;
  }
  calls.set_renderer(&renderer->renderer());
  return serve(renderer.get(), calls, {});
}

}  // namespace
}  // namespace vmm::gpu::process

int main(int argc, char** argv) { return vmm::gpu::process::run(argc, argv); }
