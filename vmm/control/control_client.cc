#include "vmm/control/control_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace vmm::control {

ControlClient ControlClient::connect(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof address.sun_path)
    throw std::runtime_error("cannot reach " + path + ": not a usable Unix socket path");
  std::memcpy(address.sun_path, path.data(), path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    throw std::runtime_error("cannot reach " + path + ": " + std::strerror(errno));
  ControlClient client(std::move(fd));
  auto greeting = client.next();
  if (!greeting) throw std::runtime_error("cannot reach " + path + ": the server closed the connection");
  // A refusal (too many clients) comes instead of the greeting.
  if (greeting->contains("error"))
    throw std::runtime_error("refused by " + path + ": " + greeting->value("/error/reason"_json_pointer, std::string("?")));
  client.greeting_ = std::move(*greeting);
  return client;
}

void ControlClient::send(const std::string& cmd, const nlohmann::json& args) {
  nlohmann::json request = {{"cmd", cmd}, {"id", 1}};
  if (!args.is_null()) request["args"] = args;
  const std::string line = request.dump() + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(fd_.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("the connection broke: ") + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
}

std::optional<nlohmann::json> ControlClient::next() {
  for (;;) {
    if (const auto newline = buffer_.find('\n'); newline != std::string::npos) {
      const std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      nlohmann::json value = nlohmann::json::parse(line, nullptr, false);
      if (value.is_discarded()) throw std::runtime_error("the server sent a line that is not JSON");
      return value;
    }
    char chunk[64 * 1024];
    const ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace vmm::control
