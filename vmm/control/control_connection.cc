#include "vmm/control/control_connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "vmm/control/control_limits.h"
#include "vmm/control/control_protocol.h"

namespace vmm::control {

namespace {
constexpr std::size_t kReadChunk = 16 * 1024;
}

bool Connection::wants_input() const {
  return !closing_ && !over_output_bound() && input_.size() <= kMaxLineBytes + 1;
}

bool Connection::over_output_bound() const { return queued_bytes_ > kMaxQueuedOutputBytes; }

bool Connection::read_some() {
  char chunk[kReadChunk];
  const ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, MSG_DONTWAIT);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  if (n == 0) return false;
  input_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> Connection::next_line(bool& too_long) {
  too_long = false;
  const std::size_t newline = input_.find('\n', scanned_);
  if (newline == std::string::npos) {
    scanned_ = input_.size();
    // No '\n' within the limit (the '\r' of a "\r\n" may still come): it can only be a
    // line that is too long.
    if (input_.size() > kMaxLineBytes + 1) too_long = true;
    return std::nullopt;
  }
  std::size_t end = newline;
  if (end > 0 && input_[end - 1] == '\r') --end;
  if (end > kMaxLineBytes) {
    too_long = true;
    return std::nullopt;
  }
  std::string line = input_.substr(0, end);
  input_.erase(0, newline + 1);
  scanned_ = 0;
  return line;
}

void Connection::queue(std::string line) {
  queued_bytes_ += line.size();
  output_.push_back(std::move(line));
}

void Connection::queue_event(const std::string& line) {
  if (dropped_events_ != 0 || queued_bytes_ + line.size() > kMaxQueuedOutputBytes) {
    // Once one is dropped, later ones are too until the notice went out: the client then
    // sees a gap in one place, never events out of order around it.
    ++dropped_events_;
    return;
  }
  queue(line);
}

bool Connection::write_some() {
  for (;;) {
    if (output_.empty()) {
      if (dropped_events_ == 0) return true;
      queue(encode_dropped(dropped_events_));
      dropped_events_ = 0;
    }
    const std::string& front = output_.front();
    const ssize_t n = ::send(fd_.get(), front.data() + sent_of_front_, front.size() - sent_of_front_,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    sent_of_front_ += static_cast<std::size_t>(n);
    if (sent_of_front_ < front.size()) return true;
    queued_bytes_ -= front.size();
    output_.pop_front();
    sent_of_front_ = 0;
  }
}

}  // namespace vmm::control
