// A stand-in for vmm-gpu-process that misbehaves on purpose, so that RendererProcess's
// handling of a hostile or broken renderer process is tested on any host (no renderer root
// needed). It reads one request on fd 3, then, by its one argument:
//   garbage    answers with bytes that are no message
//   oversize   answers with a datagram larger than any message
//   lying      answers with a header whose length is not the datagram's
//   wrongtype  answers a hello with a shutdown reply
//   badhello   answers with a hello reply whose capset count is over the bound
//   withfd     answers with a well-formed hello reply and an fd beside it
//   silent     never answers
//   exit       exits 7 without answering
//   hello      answers a well-formed hello reply, then serves until shut down
//   calls:B    answers hello and Attach well (mapping the staging area), then serves Call
//              messages until shut down: every op honestly (rc 0; Poll: no fence, 7 MiB
//              resident) except where behaviour B says otherwise:
//                honest      MapBlob: a 1 MiB memfd, 1 MiB, offset 0, its first byte 0x5a;
//                            Capset: its 308 bytes (0x5a) staged
//                shortblob   MapBlob: a 4096-byte memfd that it says holds 1 MiB
//                unsealable  MapBlob: a 1 MiB memfd made without MFD_ALLOW_SEALING, which
//                            it could shrink under vmm's mapping at any time
//                blobnofd    MapBlob: rc 0 and its three values, no fd
//                blobvalues  MapBlob: a 1 MiB memfd, two values (no offset)
//                headerpage  MapBlob: 1 MiB at offset 4096 of a 1 MiB + 4096 memfd whose
//                            first page is a header (0xee) and 0x5a the blob's first byte:
//                            the layout of lavapipe's opaque memfds (Venus)
//                blobpastend MapBlob: 64 KiB at offset 1 MiB - 4096 of a 1 MiB memfd
//                bigcapset   Capset: 309 bytes staged, one over hello's 308
//                fencecount  Poll: a count of 2 with one fence record staged
//                fences      Poll: 3 records of fences nobody created (ctx 100 + i, ring i,
//                            fence 1000 + i, per_context i & 1), then 31 stray bytes staged
//                fdbeside    CreateContext: rc 0 with an fd beside it
//                silent      CreateContext: never answered
//                exit        CreateContext: exits 5 without answering
// and then waits for vmm to close the socket (or kill it).
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "devices/gpu/process/message_channel.h"
#include "devices/gpu/process/renderer_process_message.h"

using namespace vmm::gpu::process;

namespace {

void send_bytes(const std::vector<std::uint8_t>& bytes, std::span<const int> fds = {}) {
  std::string error;
  send_datagram(kChannelFd, bytes, fds, &error);
}

HelloReply stub_hello() {
  HelloReply h;
  h.virglrenderer_version = "0.0.0-stub";
  h.version_source = "renderer_process_stub";
  h.contexts = kContextVirgl;
  h.capsets = {{1, 1, 308}};
  return h;
}

constexpr std::uint64_t kStubResident = 7u << 20;
constexpr std::uint64_t kMiB = 1u << 20;

// A memfd of BYTES whose first byte is 0x5a (sealable, as Mesa's are, unless told not to);
// -1 when one cannot be made.
int blob_memfd(std::uint64_t bytes, bool sealable = true) {
  const int fd = memfd_create("renderer-stub-blob", MFD_CLOEXEC | (sealable ? MFD_ALLOW_SEALING : 0));
  const std::uint8_t marker = 0x5a;
  if (fd >= 0 && ftruncate(fd, static_cast<off_t>(bytes)) == 0 && pwrite(fd, &marker, 1, 0) == 1) return fd;
  if (fd >= 0) close(fd);
  return -1;
}

void reply(const CallReply& r, int fd = -1) {
  const auto bytes = encode_message(MessageType::CallReply, encode_call_reply(r));
  if (fd < 0) {
    send_bytes(bytes);
  } else {
    send_bytes(bytes, {&fd, 1});
    close(fd);
  }
}

// One Call under BEHAVIOUR; false to stop serving (silent: the reply that never comes; exit).
bool serve_call(std::string_view behaviour, const CallRequest& call, std::uint8_t* staging) {
  CallReply r;
  switch (call.op) {
    case CallOp::MapBlob:
      r.values = {kMiB, 0, 0};  // size, map_info, offset
      if (behaviour == "shortblob") {
        reply(r, blob_memfd(4096));
      } else if (behaviour == "unsealable") {
        reply(r, blob_memfd(kMiB, /*sealable=*/false));
      } else if (behaviour == "blobnofd") {
        reply(r);
      } else if (behaviour == "blobvalues") {
        r.values.pop_back();
        reply(r, blob_memfd(kMiB));
      } else if (behaviour == "headerpage") {
        r.values = {kMiB, 0, 4096};
        const int fd = blob_memfd(kMiB + 4096);
        const std::vector<std::uint8_t> header(4096, 0xee);
        const std::uint8_t marker = 0x5a;
        if (fd >= 0 && (pwrite(fd, header.data(), header.size(), 0) != 4096 || pwrite(fd, &marker, 1, 4096) != 1))
          _exit(3);
        reply(r, fd);
      } else if (behaviour == "blobpastend") {
        r.values = {64 << 10, 0, kMiB - 4096};
        reply(r, blob_memfd(kMiB));
      } else {
        reply(r, blob_memfd(kMiB));
      }
      return true;
    case CallOp::Capset:
      r.staged = behaviour == "bigcapset" ? 309 : 308;
      std::memset(staging, 0x5a, r.staged);
      break;
    case CallOp::Poll:
      r.values = {0, kStubResident};
      if (behaviour == "fencecount") {
        r.values[0] = 2;
        r.staged = kFenceRecordBytes;
      } else if (behaviour == "fences") {
        r.values[0] = 3;
        for (std::uint64_t i = 0; i < 3; ++i) {
          const std::uint64_t record[4] = {100 + i, i, 1000 + i, i & 1};
          std::memcpy(staging + i * kFenceRecordBytes, record, sizeof(record));
        }
        r.staged = 3 * kFenceRecordBytes + 31;
      }
      break;
    case CallOp::CreateContext:
      if (behaviour == "fdbeside") {
        reply(r, blob_memfd(4096));
        return true;
      }
      if (behaviour == "silent") return false;
      if (behaviour == "exit") _exit(5);
      break;
    default: break;
  }
  reply(r);
  return true;
}

// The calls:B modes: hello, Attach, then Calls until Shutdown (or a behaviour that stops).
int serve_calls(std::string_view behaviour) {
  constexpr std::string_view kKnown[] = {"honest",     "shortblob", "blobnofd", "blobvalues",
                                         "headerpage", "blobpastend", "unsealable", "bigcapset", "fencecount", "fences",
                                         "fdbeside",   "silent",    "exit"};
  bool known = false;
  for (std::string_view k : kKnown) known = known || k == behaviour;
  if (!known) return 2;
  send_bytes(encode_message(MessageType::HelloReply, encode_hello_reply(stub_hello())));
  std::uint8_t* staging = nullptr;
  Datagram request;
  std::string error;
  while (recv_datagram(kChannelFd, &request, &error) == RecvStatus::Ok) {
    auto m = decode_message(request.bytes, &error);
    if (!m) return 4;
    if (m->type == MessageType::Shutdown) {
      send_bytes(encode_message(MessageType::ShutdownReply, {}));
      return 0;
    }
    if (m->type == MessageType::Attach) {
      if (request.fds.empty()) return 4;
      void* at = mmap(nullptr, kStagingBytes, PROT_READ | PROT_WRITE, MAP_SHARED, request.fds[0].get(), 0);
      if (at == MAP_FAILED) return 4;
      staging = static_cast<std::uint8_t*>(at);
      send_bytes(encode_message(MessageType::AttachReply, {}));
      continue;
    }
    auto call = m->type == MessageType::Call ? decode_call(m->payload, &error) : std::nullopt;
    if (!call || !staging) return 4;
    if (!serve_call(behaviour, *call, staging)) break;
  }
  while (recv_datagram(kChannelFd, &request, &error) == RecvStatus::Ok) {
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string_view mode = argv[1];
  Datagram request;
  std::string error;
  if (recv_datagram(kChannelFd, &request, &error) != RecvStatus::Ok) return 3;
  if (mode == "exit") return 7;
  if (mode.starts_with("calls:")) return serve_calls(mode.substr(6));
  if (mode == "garbage") {
    send_bytes({'n', 'o', 't', ' ', 'a', ' ', 'm', 'e', 's', 's', 'a', 'g', 'e', '!', 0xff});
  } else if (mode == "oversize") {
    send_bytes(std::vector<std::uint8_t>(kMaxMessage + 100, 0x41));
  } else if (mode == "lying") {
    auto bytes = encode_message(MessageType::HelloReply, encode_hello_reply(stub_hello()));
    bytes[8] = 0xff;  // length's low byte
    send_bytes(bytes);
  } else if (mode == "wrongtype") {
    send_bytes(encode_message(MessageType::ShutdownReply, {}));
  } else if (mode == "badhello") {
    auto payload = encode_hello_reply(stub_hello());
    const std::uint32_t count = kMaxCapsets + 1;
    std::memcpy(payload.data() + payload.size() - 16, &count, sizeof(count));  // 1 capset: 4 + 12 bytes
    send_bytes(encode_message(MessageType::HelloReply, payload));
  } else if (mode == "withfd") {
    const int fd = 0;
    send_bytes(encode_message(MessageType::HelloReply, encode_hello_reply(stub_hello())), {&fd, 1});
  } else if (mode == "hello") {
    send_bytes(encode_message(MessageType::HelloReply, encode_hello_reply(stub_hello())));
    while (recv_datagram(kChannelFd, &request, &error) == RecvStatus::Ok) {
      auto m = decode_message(request.bytes, &error);
      if (m && m->type == MessageType::Shutdown) {
        send_bytes(encode_message(MessageType::ShutdownReply, {}));
        return 0;
      }
      send_bytes(encode_message(MessageType::HelloReply, encode_hello_reply(stub_hello())));
    }
    return 0;
  } else if (mode != "silent") {
    return 2;
  }
  while (recv_datagram(kChannelFd, &request, &error) == RecvStatus::Ok) {
  }
  return 0;
}
