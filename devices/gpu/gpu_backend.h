// GpuBackend: what renders for a virtio-gpu device. The device (VirtioGpu) keeps the queues,
// the decoding (gpu_command.h), the fences' held responses, the typed responses, the resource
// and context tables, 2D resources and the cursor; a backend does the rest: contexts beyond
// their bookkeeping, SUBMIT_3D, capsets, 3D resources and transfers, blobs and the memory
// MAP_BLOB maps. Two exist: BuiltinBackend (memfd HOST3D blobs, no capsets, SUBMIT_3D
// refused) and VirglBackend (virglrenderer).
//
// A backend includes nothing of the device: it sees it through BackendDevice. Every call
// either way is made with the device's mutex_ held, on the render thread when the backend
// has one (threaded()); MAP_BLOB's map_blob() also with region_mutex_ held.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "devices/gpu/backing_store.h"
#include "devices/gpu/blob_cache_decision.h"
#include "devices/gpu/gpu_command.h"
#include "devices/gpu/gpu_reply.h"
#include "devices/gpu/gpu_request.h"
#include "devices/gpu/gpu_resource.h"
#include "devices/gpu/renderer_stats.h"
#include "memory/guest_memory.h"
#include "memory/memory_mapper.h"

namespace vmm::gpu {

// The device as its backend sees it.
class BackendDevice {
 public:
  // The resource table: a backend adds the resources it creates, the device removes them
  // (after forget()).
  virtual std::map<std::uint32_t, GpuResource>& resources() = 0;
  // Context id -> attached resources. The device adds and removes contexts; a backend that
  // must destroy contexts on its own (the memory guard) erases them with context_gone().
  virtual std::map<std::uint32_t, std::set<std::uint32_t>>& contexts() = 0;
  // Logs why `command` failed and gives the reply `type`.
  virtual GpuReply fail(std::uint32_t type, std::uint32_t command, const std::string& why) = 0;
  // Reads and checks `count` MemEntry at `offset` of the request against the device's
  // backing limits; nullopt with the reply in *reply.
  virtual std::optional<BackingStore> read_backing(const GpuRequest& req, std::uint64_t offset,
                                                   std::uint32_t count, std::uint32_t command,
                                                   GpuReply* reply) = 0;
  // A context is gone in the backend: the device answers its held per-context fences now.
  virtual void context_gone(std::uint32_t ctx) = 0;
  // A fence the backend was given retired (from within poll()).
  virtual void fence_retired(std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence,
                             bool per_context) = 0;
  virtual const GuestMemory& guest_memory() const = 0;

 protected:
  ~BackendDevice() = default;
};

// What MAP_BLOB maps: the blob's host memory with its lease, and what its producer said
// about caching. The device then calls decide_blob_cache() once, for either backend.
struct BlobSource {
  BlobMemory memory;
  BlobProducer producer;
};

class GpuBackend {
 public:
  virtual ~GpuBackend() = default;

  // A threaded backend runs on the device's render thread: start() there first (empty, or
  // why it cannot run), then rounds that poll() when poll_fd() is readable, then stop().
  virtual bool threaded() const { return false; }
  virtual std::string start() { return {}; }
  virtual int poll_fd() const { return -1; }
  virtual void poll() {}
  virtual void stop() {}
  // Whether a fenced response may wait for its fence; create_fence() false: answer it now.
  virtual bool retires_fences() const { return false; }
  virtual bool create_fence(std::uint32_t ctx, std::uint32_t ring, std::uint64_t fence, bool per_context) {
    (void)ctx, (void)ring, (void)fence, (void)per_context;
    return false;
  }
  // After every command: may turn `reply` into a refusal (the memory guard).
  virtual void after_command(std::uint32_t command, GpuReply& reply) { (void)command, (void)reply; }
  virtual std::optional<RendererStats> renderer_stats() const { return std::nullopt; }
  virtual int memory_fd() const { return -1; }  // the memory guard's, for seccomp

  // Features offered beyond VIRGL and RESOURCE_BLOB, and the capsets in the config space.
  virtual std::uint64_t extra_features() const = 0;
  virtual std::uint32_t capset_count() const = 0;
  virtual std::size_t max_contexts() const = 0;

  virtual GpuReply capset_info(const GetCapsetInfoCmd& c) = 0;
  virtual GpuReply capset(const GetCapsetCmd& c) = 0;
  // After the device's checks; OK, or the reply refusing it (the device then keeps no
  // bookkeeping of the context).
  virtual GpuReply create_context(std::uint32_t ctx, std::uint32_t context_init,
                                  const std::string& name) = 0;
  // The device has already dropped the context from contexts().
  virtual void destroy_context(std::uint32_t ctx) = 0;
  virtual void attach_resource(std::uint32_t ctx, const GpuResource& res, bool attach) = 0;
  virtual GpuReply submit_3d(const Submit3dCmd& c, const GpuRequest& req) = 0;
  virtual GpuReply create_3d(const ResourceCreate3dCmd& c) = 0;
  virtual GpuReply transfer_3d(std::uint32_t command, const Transfer3d& wire, bool to_host) = 0;
  // CREATE_BLOB after the device checked the id, the flags and the context.
  virtual GpuReply create_blob(const ResourceCreateBlob& cmd, const GpuRequest& req) = 0;
  // Whether MAP_BLOB may map `res` at all (a blob of host memory this backend made).
  virtual bool host_memory_blob(const GpuResource& res) const = 0;
  // The blob's memory for the region, or the reply refusing it.
  virtual std::variant<GpuReply, BlobSource> map_blob(GpuResource& res) = 0;
  // The region took the blob with `decision` (for the backend's report).
  virtual void blob_mapped(const BlobCacheDecision& decision) { (void)decision; }
  // ATTACH_BACKING / DETACH_BACKING of a resource of this backend's, before the device
  // stores / drops `store`. OK or the reply refusing it.
  virtual GpuReply attach_backing(GpuResource& res, const BackingStore& store) = 0;
  virtual void detach_backing(GpuResource& res) = 0;
  // A 3D scanout's pixels as RESOURCE_FLUSH leaves them; empty when they cannot be read.
  virtual std::vector<std::uint8_t> read_back(const GpuResource& res) { (void)res; return {}; }
  // The device is about to erase `res` from its table.
  virtual void forget(const GpuResource& res) = 0;
  // Reset: every context goes (before the resources, which the device then forgets).
  virtual void clear() = 0;
};

}  // namespace vmm::gpu
