// RendererHold: one resource as the renderer holds it, given back when the last of its holders
// lets go. The holders are the device's resource table and, while a blob of it is mapped, the
// lease of the memslot that maps the renderer's memory (which unmaps that memory in the
// renderer when the slot goes, then lets go of the hold): MemoryMapper keeps a slot's lease until the
// hypervisor has let the slot go, so when KVM refuses to remove the slot the renderer's memory
// (and the guest pages it was lent, whose addresses it keeps) outlive the guest's resource for
// as long as the guest can still reach them, with no bookkeeping in the device.
//
// Threads: the renderer may be called on the render thread only, and the device forgets
// resources and removes slots there, so that is where a hold is let go. The one exception is a
// memory mapper that outlives the device and still holds a slot the hypervisor would not
// remove: when it goes, the renderer has gone with the device (its memory freed with it, the
// VM's vCPUs stopped before), `give_back` finds it expired and gives nothing back.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace vmm::gpu {

struct RendererHold {
  // Unrefs the resource, drops its charge.
  using GiveBack = std::function<void(const RendererHold&)>;

  explicit RendererHold(std::uint32_t resource_id) : id(resource_id) {}
  RendererHold(const RendererHold&) = delete;
  RendererHold& operator=(const RendererHold&) = delete;
  ~RendererHold() {
    if (give_back) give_back(*this);
  }

  const std::uint32_t id;
  std::vector<iovec> pages;  // the guest pages lent to the renderer (backing)
  GiveBack give_back;        // set once the renderer has the resource
};

}  // namespace vmm::gpu
