// ProcessRenderer: the GpuRenderer the device uses when virglrenderer runs in vmm-gpu-process
// (issue 22). Every call becomes one Call message (renderer_process_protocol.h) and its reply;
// bulk data goes through the staging area, guest pages as references into the guest RAM the
// process was given at start (GuestMemory's shareable ranges), and a mapped blob comes back
// as an fd that vmm maps itself, so the memory a blob slot points at is vmm's own mapping:
// it stays valid until unmap_blob() or unref_resource() however the process ends.
//
// The process is not trusted. A crash, a reply that does not decode or a missed deadline
// makes it gone for good (RendererProcess logs one line); every later call then fails with
// -EPIPE and the device answers the guest the protocol's error, and process_state() says what
// happened for the report (with the process's resident memory as of the last fence poll:
// the process measures itself, as vmm's threads are confined from reading /proc). A blob's reported size is checked against its fd before vmm maps
// it, so the guest cannot be given a slot past the memory behind it.
//
// Threads: created, used and destroyed on the render thread (its parent-death signal follows
// the thread that spawned it).
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/mapping.h"
#include "devices/gpu/process/renderer_process.h"
#include "devices/gpu/renderer/gpu_renderer.h"

namespace vmm::gpu::process {

// One range of guest RAM as vmm maps it, and the memfd behind it.
struct SharedRam {
  std::uint8_t* host = nullptr;
  std::uint64_t size = 0;
  int fd = -1;
};

class ProcessRenderer final : public GpuRenderer {
 public:
  // Starts PROGRAM (vmm-gpu-process) for KIND under ROOT, asks its hello, and shares RAM
  // with it. nullptr with one line in *error.
  static std::unique_ptr<ProcessRenderer> create(const std::string& program, const RendererRoot& root,
                                                 RendererKind kind, std::uint64_t memory_limit,
                                                 const std::vector<SharedRam>& ram,
                                                 FenceRetired on_fence, std::string* error);
  // The same over a process started by the caller (tests: a stand-in).
  static std::unique_ptr<ProcessRenderer> over(std::unique_ptr<RendererProcess> process,
                                               const std::vector<SharedRam>& ram,
                                               FenceRetired on_fence, std::string* error);

  std::string description() const override;
  std::vector<CapsetInfo> capsets() const override { return capsets_; }
  std::vector<std::uint8_t> capset(std::uint32_t id, std::uint32_t version) override;
  int create_context(std::uint32_t ctx, std::uint32_t capset_id, std::string_view name) override;
  void destroy_context(std::uint32_t ctx) override;
  void attach_resource(std::uint32_t ctx, std::uint32_t resource) override;
  void detach_resource(std::uint32_t ctx, std::uint32_t resource) override;
  int submit(std::uint32_t ctx, std::span<const std::uint32_t> commands) override;
  int create_resource_3d(const Resource3dArgs& args) override;
  int create_blob(const BlobArgs& args) override;
  void unref_resource(std::uint32_t resource) override;
  int attach_backing(std::uint32_t resource, std::span<const iovec> pages) override;
  void detach_backing(std::uint32_t resource) override;
  int transfer_to_host(const TransferArgs& args) override;
  int transfer_from_host(const TransferArgs& args, std::span<const iovec> into = {}) override;
  int map_blob(std::uint32_t resource, RendererMapping* out) override;
  int unmap_blob(std::uint32_t resource) override;
  int map_info(std::uint32_t resource) override;
  int create_fence(std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence_id, bool per_context) override;
  void poll() override;
  int poll_fd() const override { return -1; }  // polled on the render thread's timer
  std::optional<RendererProcessState> process_state() const override;

  RendererProcess& process() { return *process_; }

 private:
  struct MappedBlob {
    Mapping mapping;
    int info = -1;
  };

  ProcessRenderer(std::unique_ptr<RendererProcess> process, FenceRetired on_fence)
      : process_(std::move(process)), on_fence_(std::move(on_fence)) {}
  bool attach(const std::vector<SharedRam>& ram, std::string* error);
  // One call; its reply, or nullopt when the process is gone (logged once by RendererProcess).
  std::optional<CallReply> call(CallOp op, std::vector<std::uint64_t> args, std::uint64_t staged = 0,
                                std::string text = {}, UniqueFd* fd = nullptr);
  int rc_of(CallOp op, std::vector<std::uint64_t> args, std::uint64_t staged = 0);
  int failed_call() const;  // what a call without a reply returns: -EPIPE once gone, else -EIO
  // PAGES as PageRef records at the staging area's start: their byte count, or -EFAULT for
  // a page outside guest RAM.
  std::int64_t stage_pages(std::span<const iovec> pages);
  static std::vector<std::uint64_t> transfer_args(const TransferArgs& a);

  std::unique_ptr<RendererProcess> process_;
  FenceRetired on_fence_;
  HelloReply hello_;
  std::vector<CapsetInfo> capsets_;
  std::vector<SharedRam> ram_;
  Mapping staging_;
  std::map<std::uint32_t, MappedBlob> mapped_;
  // What the report reads from another thread: the resident memory as of the last poll,
  // and whether the process still serves.
  mutable std::mutex state_mutex_;
  RendererProcessState state_;
};

}  // namespace vmm::gpu::process
