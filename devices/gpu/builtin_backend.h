// BuiltinBackend: the virtio-gpu backend without a 3D renderer. Contexts are bookkeeping (the
// device's table), SUBMIT_3D, RESOURCE_CREATE_3D, the 3D transfers and the capsets are
// answered ERR_UNSPEC (there are no capsets: Linux 6.1 needs none to create or map HOST3D
// blobs), GUEST blobs are guest pages (never mappable) and HOST3D blobs a memfd each, which
// MAP_BLOB maps with no producer to ask about caching (blob_cache_decision.h).
#pragma once

#include <cstdint>

#include "devices/gpu/gpu_backend.h"

namespace vmm::gpu {

class BuiltinBackend final : public GpuBackend {
 public:
  // `device` must outlive the backend; `hostmem_size` is the host-visible region's size.
  BuiltinBackend(BackendDevice& device, std::uint64_t hostmem_size)
      : device_(device), hostmem_size_(hostmem_size) {}

  std::uint64_t extra_features() const override { return 0; }
  std::uint32_t capset_count() const override { return 0; }
  std::size_t max_contexts() const override;

  GpuReply capset_info(const GetCapsetInfoCmd& c) override;
  GpuReply capset(const GetCapsetCmd& c) override;
  GpuReply create_context(std::uint32_t, std::uint32_t, const std::string&) override { return {}; }
  void destroy_context(std::uint32_t) override {}
  void attach_resource(std::uint32_t, const GpuResource&, bool) override {}
  GpuReply submit_3d(const Submit3dCmd& c, const GpuRequest& req) override;
  GpuReply create_3d(const ResourceCreate3dCmd& c) override;
  GpuReply transfer_3d(std::uint32_t command, const Transfer3d& wire, bool to_host) override;
  GpuReply create_blob(const ResourceCreateBlob& cmd, const GpuRequest& req) override;
  bool host_memory_blob(const GpuResource& res) const override {
    return res.kind == ResourceKind::HostBlob;
  }
  std::variant<GpuReply, BlobSource> map_blob(GpuResource& res) override;
  // Its resources are never 3D images: the device never asks.
  GpuReply attach_backing(GpuResource&, const BackingStore&) override { return {}; }
  void detach_backing(GpuResource&) override {}
  void forget(const GpuResource& res) override;
  void clear() override {}

 private:
  GpuReply create_guest_blob(const ResourceCreateBlob& cmd, const GpuRequest& req);
  GpuReply create_host_blob(const ResourceCreateBlob& cmd);

  BackendDevice& device_;
  const std::uint64_t hostmem_size_;
  std::uint32_t host_blobs_ = 0;       // live HOST3D blobs
  std::uint64_t host_blob_bytes_ = 0;  // their sizes, summed
};

}  // namespace vmm::gpu
