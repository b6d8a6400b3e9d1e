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
// and then waits for vmm to close the socket (or kill it).
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string_view mode = argv[1];
  Datagram request;
  std::string error;
  if (recv_datagram(kChannelFd, &request, &error) != RecvStatus::Ok) return 3;
  if (mode == "exit") return 7;
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
