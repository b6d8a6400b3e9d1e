// EventFeed: how events made on other threads (a vCPU mapping a blob, the renderer, the
// main thread's tear-down, a derivation) reach the control thread. A producer hands over
// one encoded line; the control thread takes them all when the feed's eventfd wakes it.
//
// Shared (std::shared_ptr) between the control server and the listeners it registered:
// the memslot table keeps its listeners until the machine goes, after the server, so the
// server closes the feed as it ends and later events are ignored.
//
// Bounded: at most kMaxPendingEvents lines wait; later ones are counted as dropped and the
// count goes to every subscriber. Producers do the JSON work only while someone is
// subscribed (wanted()), so without an `events` client a vCPU pays one atomic load.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace vmm::control {

class EventFeed {
 public:
  EventFeed();  // throws std::system_error when no eventfd can be made

  bool wanted() const { return subscribers_.load(std::memory_order_relaxed) != 0; }
  // Any thread. `line` is an encoded event ('\n'-terminated).
  void publish(std::string line);

  // The control thread's side.
  int wake_fd() const { return wake_.get(); }
  struct Batch {
    std::vector<std::string> lines;
    std::uint64_t dropped = 0;  // lines that did not fit since the last take
  };
  Batch take();  // also clears the eventfd
  void add_subscriber() { subscribers_.fetch_add(1, std::memory_order_relaxed); }
  void remove_subscriber() { subscribers_.fetch_sub(1, std::memory_order_relaxed); }
  void close();  // later publish() calls do nothing

 private:
  std::atomic<int> subscribers_{0};
  std::mutex mutex_;
  bool closed_ = false;
  std::deque<std::string> pending_;
  std::uint64_t dropped_ = 0;
  UniqueFd wake_;
};

}  // namespace vmm::control
