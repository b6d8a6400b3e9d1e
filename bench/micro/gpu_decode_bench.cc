// gpu_decode/<COMMAND>: decoding one virtio-gpu request as the device does before it
// dispatches (VirtioGpu::process_chain): the header read from the chain, the command looked
// up in the one table (queue, negotiated feature), the whole command struct read and
// bounds-checked into its typed command (devices/gpu/gpu_command.h). No handler runs.
//
// The request lies in guest RAM as Linux's driver sends it: the command struct in one
// readable buffer (trailing MemEntry items, where the command has them, in a second one)
// and a writable buffer for the response. The DescriptorChain is built directly: popping
// it is what virtqueue/... measures.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include "bench/micro/micro.h"
#include "devices/gpu/gpu_command.h"
#include "devices/gpu/gpu_request.h"
#include "devices/gpu/virtio_gpu_protocol.h"
#include "memory/guest_memory.h"

namespace vmm::bench {
namespace {

using namespace vmm::gpu;

constexpr std::uint64_t kRamSize = 1 << 20;
constexpr std::uint64_t kCommandAddr = 0x1000;
constexpr std::uint64_t kEntriesAddr = 0x2000;
constexpr std::uint64_t kResponseAddr = 0x3000;
constexpr std::uint32_t kResponseBytes = 512;  // room for RESP_OK_DISPLAY_INFO
// What Linux negotiates with this device when blobs are offered.
constexpr std::uint64_t kFeatures = 1ull << kFeatureResourceBlob;

CtrlHdr header(std::uint32_t type) {
  CtrlHdr hdr{};
  hdr.type = type;
  return hdr;
}

template <typename Wire>
void decode(benchmark::State& state, Wire wire, GpuQueue queue, std::uint32_t entries) {
  const std::uint32_t type = reinterpret_cast<const CtrlHdr&>(wire).type;
  auto memory = std::make_unique<GuestMemory>(GuestMemory::from_ranges({{0, kRamSize, "ram"}}));
  DescriptorChain chain;
  chain.readable.push_back({kCommandAddr, sizeof(Wire)});
  if (entries != 0) {
    for (std::uint32_t i = 0; i < entries; ++i) {
      const MemEntry entry{0x10000 + i * 0x1000ull, 0x1000, 0};
      if (!memory->write_obj(kEntriesAddr + i * sizeof(MemEntry), entry)) {
        state.SkipWithError("cannot place the entries");
        return;
      }
    }
    chain.readable.push_back({kEntriesAddr, static_cast<std::uint32_t>(entries * sizeof(MemEntry))});
  }
  chain.writable.push_back({kResponseAddr, kResponseBytes});
  if (!memory->write_obj(kCommandAddr, wire)) {
    state.SkipWithError("cannot place the command");
    return;
  }

  // Checked once: the request decodes to the typed command it names.
  {
    const GpuRequest req(*memory, chain);
    CtrlHdr hdr{};
    const bool read = req.read(hdr);
    auto decoded = decode_command(hdr, req, queue, kFeatures);
    const auto* command = std::get_if<GpuCommand>(&decoded);
    if (!read || command == nullptr ||
        std::visit([](const auto& c) { return c.kType; }, *command) != type) {
      state.SkipWithError(("did not decode: " + command_name(type)).c_str());
      return;
    }
  }

  for (auto _ : state) {
    const GpuRequest req(*memory, chain);
    CtrlHdr hdr{};
    if (!req.read(hdr)) {
      state.SkipWithError("header unreadable");
      break;
    }
    auto decoded = decode_command(hdr, req, queue, kFeatures);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(sizeof(Wire)));
}

template <typename Wire>
void add(Wire wire, GpuQueue queue = GpuQueue::Control, std::uint32_t entries = 0) {
  const std::string name = "gpu_decode/" + command_name(reinterpret_cast<const CtrlHdr&>(wire).type);
  benchmark::RegisterBenchmark(name.c_str(), [wire, queue, entries](benchmark::State& state) {
    decode(state, wire, queue, entries);
  });
}

}  // namespace

void register_gpu_benchmarks() {
  add(header(cmd::kGetDisplayInfo));
  add(ResourceCreate2d{header(cmd::kResourceCreate2d), 1, format::kB8G8R8X8, 1024, 768});
  add(ResourceAttachBacking{header(cmd::kResourceAttachBacking), 1, 4}, GpuQueue::Control, 4);
  add(SetScanout{header(cmd::kSetScanout), {0, 0, 1024, 768}, 0, 1});
  add(TransferToHost2d{header(cmd::kTransferToHost2d), {0, 0, 1024, 768}, 0, 1, 0});
  add(ResourceFlush{header(cmd::kResourceFlush), {0, 0, 1024, 768}, 1, 0});
  add(ResourceCreateBlob{header(cmd::kResourceCreateBlob), 2, kBlobMemHost3d,
                         kBlobFlagMappable, 0, 1, 0x10000});
  add(ResourceMapBlob{header(cmd::kResourceMapBlob), 2, 0, 0x800000});
  add(ResourceIdCmd{header(cmd::kResourceUnmapBlob), 2, 0});
  add(UpdateCursor{header(cmd::kMoveCursor), {0, 100, 200, 0}, 0, 0, 0, 0}, GpuQueue::Cursor);
}

}  // namespace vmm::bench
