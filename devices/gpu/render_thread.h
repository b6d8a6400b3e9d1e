// RenderThread: the one thread on which virtio-gpu talks to its renderer. The renderer is
// created on it (a GL context belongs to the thread that made it current), every command
// that reaches the renderer runs on it, and fences are polled on it; the vCPU thread only
// writes an eventfd when the guest notifies a queue, so rendering never holds up the vCPU,
// and a renderer that hangs holds up this thread alone (the guest then sees its commands
// unanswered, as on hardware whose GPU hangs).
//
// Isolation stops there: a renderer that crashes takes vmm with it (same process, as
// crosvm's in-process virglrenderer). See README "GPU renderer" for why not a process.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "base/unique_fd.h"

namespace vmm {

class RenderThread {
 public:
  // Runs on the thread before anything else; returns "" or why it failed.
  using Init = std::function<std::string()>;
  // One round of work (queues, fences); returns whether it must be called again soon
  // although nobody woke it (fences outstanding).
  using Work = std::function<bool()>;
  // Called after init: an fd whose readability means "call work" (-1: none).
  using PollFd = std::function<int()>;

  RenderThread();
  ~RenderThread();  // stop()
  RenderThread(const RenderThread&) = delete;
  RenderThread& operator=(const RenderThread&) = delete;

  // Starts the thread, runs `init` there and waits for it. On failure the thread has ended
  // and its error is returned.
  std::string start(Init init, Work work, PollFd poll_fd);
  // From any thread; never blocks.
  void wake();
  // Runs `task` on the render thread between two rounds of work and waits for it.
  void run(const std::function<void()>& task);
  void stop();
  bool running() const { return thread_.joinable(); }

  // How long the thread sleeps between fence polls while fences are outstanding and the
  // renderer offers no fd to wait on.
  static constexpr int kFencePollMs = 1;

 private:
  void loop(Work work, int renderer_fd);

  UniqueFd wake_fd_;
  std::thread thread_;
  std::mutex task_mutex_;
  std::function<void()>* task_ = nullptr;  // guarded by task_mutex_
  bool stopping_ = false;                  // guarded by task_mutex_
  std::condition_variable task_done_;
};

}  // namespace vmm
