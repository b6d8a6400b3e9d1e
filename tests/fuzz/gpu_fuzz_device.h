// What the two fuzz targets that drive the whole virtio-gpu device (virtio_gpu, and
// virgl_renderer with the real renderer behind it) drive it with: the unit tests' fake driver
// ring and memory mapper, and the encoding's guest-memory ranges and response check.
#pragma once

#include "tests/fuzz/gpu_fuzz_encoding.h"
#include "tests/unit/gpu/fake_memory_mapper.h"
#include "tests/unit/virtio/fake_driver_ring.h"

namespace vmm::fuzz::gpu_device {

using vmm::test::FakeBuffer;
using vmm::test::FakeDriverRing;
using vmm::test::FakeMemoryMapper;
using gpu_encoding::kBackingBase, gpu_encoding::kBackingSize, gpu_encoding::kCtrlRange,
    gpu_encoding::kCursorRange, gpu_encoding::known_response;

}  // namespace vmm::fuzz::gpu_device
