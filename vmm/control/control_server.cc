#include "vmm/control/control_server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <list>
#include <system_error>
#include <vector>

#include "vmm/control/control_commands.h"
#include "vmm/control/control_connection.h"
#include "vmm/control/control_limits.h"
#include "vmm/control/control_protocol.h"

namespace vmm::control {

namespace {

// Connections accepted per round of the loop: a flood of connects cannot starve the
// clients already there.
constexpr int kAcceptsPerRound = 64;

// Best effort, to a socket that is closed right after: one line the peer may or may not read.
void send_and_forget(int fd, const std::string& line) {
  [[maybe_unused]] auto sent = ::send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

class Loop {
 public:
  Loop(int listen_fd, int stop_fd, ControlTarget& target, EventFeed& feed, const std::string& version,
       uid_t allowed_uid)
      : listen_fd_(listen_fd), stop_fd_(stop_fd), target_(target), feed_(feed), version_(version),
        allowed_uid_(allowed_uid) {}

  ~Loop() {
    for (auto& client : clients_)
      if (client.subscribed) feed_.remove_subscriber();
  }

  void run() {
    std::vector<pollfd> fds;
    for (;;) {
      fds.clear();
      fds.push_back({stop_fd_, POLLIN, 0});
      fds.push_back({feed_.wake_fd(), POLLIN, 0});
      fds.push_back({listen_fd_, POLLIN, 0});
      for (const auto& client : clients_) {
        short events = 0;
        if (client.wants_input()) events |= POLLIN;
        if (client.wants_output()) events |= POLLOUT;
        fds.push_back({client.fd(), events, 0});
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[0].revents != 0) return;
      if (fds[1].revents != 0) hand_out_events();
      std::size_t index = 3;
      for (auto it = clients_.begin(); it != clients_.end(); ++index) {
        const bool keep = serve(*it, fds[index].revents);
        if (keep) {
          ++it;
        } else {
          if (it->subscribed) feed_.remove_subscriber();
          it = clients_.erase(it);
        }
      }
      // After the clients, so that a new one is polled from the next round on.
      if (fds[2].revents != 0) accept_new();
    }
  }

 private:
  // False: drop the client.
  bool serve(Connection& client, short revents) {
    if (revents & POLLNVAL) return false;
    if (revents & POLLIN) {
      if (!client.read_some()) return false;
    } else if (revents & (POLLHUP | POLLERR)) {
      // Gone without anything left to read: no one will read an answer either.
      return false;
    }
    answer_whole_lines(client);
    if (client.wants_output() && !client.write_some()) return false;
    return !client.finished();
  }

  void answer_whole_lines(Connection& client) {
    // Within the output bound only: past it the remaining lines wait in the input buffer,
    // which is itself bounded because it is then not read.
    while (!client.over_output_bound() && !client.finished()) {
      bool too_long = false;
      std::optional<std::string> line = client.next_line(too_long);
      if (too_long) {
        client.queue(encode_error(nullptr, ErrorCode::LineTooLong,
                                  "a request line may hold at most " + std::to_string(kMaxLineBytes) +
                                      " bytes; closing the connection"));
        client.close_after_flush();
        return;
      }
      if (!line) return;
      if (line->empty()) continue;  // a blank line (an interactive client's Enter) asks nothing
      auto parsed = parse_request(*line);
      if (auto* error = std::get_if<RequestError>(&parsed)) {
        client.queue(encode_error(*error));
        continue;
      }
      Answer answer = run_command(std::get<Request>(parsed), target_);
      client.queue(std::move(answer.line));
      if (answer.subscribe && !client.subscribed) {
        client.subscribed = true;
        feed_.add_subscriber();
      }
    }
  }

  void hand_out_events() {
    EventFeed::Batch batch = feed_.take();
    for (auto& client : clients_) {
      if (!client.subscribed) continue;
      client.count_dropped(batch.dropped);
      for (const auto& line : batch.lines) client.queue_event(line);
    }
  }

  void accept_new() {
    for (int i = 0; i < kAcceptsPerRound; ++i) {
      UniqueFd fd(::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
      if (!fd.valid()) return;  // EAGAIN: no one else waits; anything else: next round
      const std::optional<uid_t> uid = peer_uid(fd.get());
      if (!uid || !peer_allowed(*uid, allowed_uid_)) continue;  // closed, unanswered
      if (clients_.size() >= kMaxClients) {
        send_and_forget(fd.get(), encode_error(nullptr, ErrorCode::TooManyClients,
                                               std::to_string(kMaxClients) + " clients are connected already"));
        continue;
      }
      clients_.emplace_back(std::move(fd));
      clients_.back().queue(encode_greeting(version_));
    }
  }

  int listen_fd_;
  int stop_fd_;
  ControlTarget& target_;
  EventFeed& feed_;
  const std::string& version_;
  uid_t allowed_uid_;
  std::list<Connection> clients_;
};

}  // namespace

ControlServer::ControlServer(ControlSocket socket, ControlTarget& target, std::shared_ptr<EventFeed> feed,
                             std::string vmm_version, std::function<void()> on_start, uid_t allowed_uid)
    : socket_(std::move(socket)),
      target_(target),
      feed_(std::move(feed)),
      version_(std::move(vmm_version)),
      allowed_uid_(allowed_uid),
      wake_(eventfd(0, EFD_CLOEXEC)) {
  if (!wake_.valid()) throw std::system_error(errno, std::generic_category(), "--control: eventfd");
  thread_ = std::thread([this, on_start = std::move(on_start)] {
    if (on_start) on_start();
    serve();
  });
}

ControlServer::~ControlServer() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wake_.get(), &one, sizeof one);
  thread_.join();
}

void ControlServer::serve() {
  {
    Loop loop(socket_.fd(), wake_.get(), target_, *feed_, version_, allowed_uid_);
    loop.run();
  }  // every client closed
  feed_->close();
  socket_.remove();
}

}  // namespace vmm::control
