// One client of the control socket as the server's loop sees it: the bytes read but not yet
// a whole line, the lines waiting to be sent, and the bounds on both (control_limits.h).
// Non-blocking; every send is MSG_NOSIGNAL, so a client that vanished is an error return,
// never a SIGPIPE.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "base/unique_fd.h"

namespace vmm::control {

class Connection {
 public:
  explicit Connection(UniqueFd fd) : fd_(std::move(fd)) {}

  int fd() const { return fd_.get(); }

  // Whether to poll for input: not when closing, nor while the client's answers pile up
  // past the output bound (it is not reading; its next requests wait), nor while a whole
  // line's worth is buffered.
  bool wants_input() const;
  // Reads what is there. False: the peer closed or the connection failed (drop it).
  bool read_some();

  // The next request line without its '\n' (and a '\r' before it), or nullopt when no whole
  // line is buffered. Sets `too_long` instead when the line is over kMaxLineBytes: the
  // caller answers line-too-long and closes.
  std::optional<std::string> next_line(bool& too_long);

  // An answer or notice: always queued (there is one per request, and requests are not
  // read while the queue is over the bound).
  void queue(std::string line);
  // An event: queued only within the bound, else counted; the count is sent as one
  // {"event":"dropped","count":N} once the queue has drained.
  void queue_event(const std::string& line);
  void count_dropped(std::uint64_t events) { dropped_events_ += events; }
  bool over_output_bound() const;

  bool wants_output() const { return !output_.empty() || dropped_events_ != 0; }
  // Sends what the socket takes. False: the peer is gone (drop it, queue and all).
  bool write_some();

  void close_after_flush() { closing_ = true; }
  bool finished() const { return closing_ && !wants_output(); }

  bool subscribed = false;

 private:
  UniqueFd fd_;
  std::string input_;
  std::size_t scanned_ = 0;  // input_[0, scanned_) holds no '\n'
  std::deque<std::string> output_;
  std::size_t sent_of_front_ = 0;
  std::size_t queued_bytes_ = 0;
  std::uint64_t dropped_events_ = 0;
  bool closing_ = false;
};

}  // namespace vmm::control
