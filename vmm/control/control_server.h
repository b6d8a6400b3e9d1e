// ControlServer: the --control socket's one thread. A poll() loop over the listening
// socket, every client, the event feed and a stop eventfd; all socket I/O non-blocking, a
// bounded input buffer and output queue per client (control_limits.h). Requests are carried
// out one at a time on this thread (control_commands.h), so commands never race each other;
// `pause` holds the loop until the vCPUs are parked.
//
// What an untrusted client can do (PROTOCOL.md "Bounds"): send anything (one error answer
// per bad line; a line over the limit gets line-too-long and the connection is closed),
// never read (its events are dropped and counted, its requests wait), connect many times
// (the 17th gets too-many-clients and is closed), vanish mid-answer (sends use
// MSG_NOSIGNAL: no SIGPIPE, the client is dropped). None of it stops the VM.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/unique_fd.h"
#include "vmm/control/control_socket.h"
#include "vmm/control/control_target.h"
#include "vmm/control/event_feed.h"

namespace vmm::control {

class ControlServer {
 public:
  // Starts the thread; `on_start` runs first on it (the runner confines it there). Peers
  // whose uid is not `allowed_uid` are closed at once (tests pass another uid to see it).
  ControlServer(ControlSocket socket, ControlTarget& target, std::shared_ptr<EventFeed> feed,
                std::string vmm_version, std::function<void()> on_start = {}, uid_t allowed_uid = ::geteuid());
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ~ControlServer();  // closes every client, removes the socket, joins the thread

 private:
  void serve();

  ControlSocket socket_;
  ControlTarget& target_;
  std::shared_ptr<EventFeed> feed_;
  std::string version_;
  uid_t allowed_uid_;
  UniqueFd wake_;
  std::thread thread_;
};

}  // namespace vmm::control
