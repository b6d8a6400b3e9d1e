#include "tests/unit/virtio/fake_driver_ring.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>

namespace vmm::test {

namespace {

std::uint64_t align_up(std::uint64_t value, std::uint64_t align) {
  return (value + align - 1) / align * align;
}

// Every write must land: a fake that silently failed would make device tests meaningless.
void must(bool ok, const char* what) {
  if (!ok) throw std::logic_error(std::string("FakeDriverRing: cannot write ") + what);
}

}  // namespace

FakeBuffer FakeBuffer::readable(std::span<const std::uint8_t> contents) {
  return {std::vector<std::uint8_t>(contents.begin(), contents.end()),
          static_cast<std::uint32_t>(contents.size()), false};
}

FakeBuffer FakeBuffer::writable(std::uint32_t len) { return {{}, len, true}; }

FakeDriverRing::FakeDriverRing(const GuestMemory& memory, Options options)
    : memory_(memory) {
  const std::uint64_t size = options.size;
  config_.size = options.size;
  config_.event_idx = options.event_idx;
  config_.desc_addr = options.ring_base;
  config_.avail_addr = config_.desc_addr + virtq::desc_table_bytes(size);
  config_.used_addr =
      align_up(config_.avail_addr + virtq::avail_ring_bytes(size), 4096);
  data_begin_ = align_up(config_.used_addr + virtq::used_ring_bytes(size), 4096);
  for (const auto& range : memory.ranges())
    if (options.ring_base >= range.guest_addr && options.ring_base < range.end())
      data_end_ = range.end();
  if (options.data_size != 0) {
    if (options.data_size > data_end_ - std::min(data_end_, data_begin_))
      throw std::invalid_argument("FakeDriverRing: data_size does not fit in the RAM range");
    data_end_ = data_begin_ + options.data_size;
  }
  if (data_end_ <= data_begin_) throw std::invalid_argument("FakeDriverRing: no room");
  data_next_ = data_begin_;
  // A reset queue: all ring memory zero.
  const std::vector<std::uint8_t> zeros(data_begin_ - options.ring_base, 0);
  must(memory_.write(options.ring_base, zeros), "rings");
}

std::uint64_t FakeDriverRing::alloc(std::uint64_t len, std::uint64_t align) {
  std::uint64_t at = align_up(data_next_, align);
  if (at + len > data_end_) at = align_up(data_begin_, align);  // reuse from the start
  if (at + len > data_end_) throw std::invalid_argument("FakeDriverRing: buffer too big");
  data_next_ = at + len;
  return at;
}

std::uint16_t FakeDriverRing::next_desc() {
  const std::uint16_t index = next_desc_;
  next_desc_ = static_cast<std::uint16_t>((next_desc_ + 1) % config_.size);
  return index;
}

void FakeDriverRing::write_desc(std::uint16_t index, const virtq::Desc& desc) {
  must(memory_.write_obj(config_.desc_addr + index * sizeof(virtq::Desc), desc), "desc");
}

void FakeDriverRing::write_table(std::uint64_t gpa, const std::vector<virtq::Desc>& table) {
  for (std::size_t i = 0; i < table.size(); ++i)
    must(memory_.write_obj(gpa + i * sizeof(virtq::Desc), table[i]), "indirect table");
}

FakeDriverRing::Added FakeDriverRing::add_chain(const std::vector<FakeBuffer>& buffers,
                                                bool indirect) {
  if (buffers.empty()) throw std::invalid_argument("FakeDriverRing: a chain needs a buffer");
  Added added{};
  std::vector<virtq::Desc> descs;
  for (const auto& buffer : buffers) {
    const std::uint64_t gpa = alloc(buffer.len);
    if (buffer.write) {
      must(memory_.write(gpa, std::vector<std::uint8_t>(buffer.len, kPoison)), "buffer");
    } else {
      must(memory_.write(gpa, buffer.bytes), "buffer");
    }
    added.addrs.push_back(gpa);
    descs.push_back({gpa, buffer.len,
                     static_cast<std::uint16_t>(buffer.write ? virtq::kDescFWrite : 0), 0});
  }
  if (indirect) {
    // An indirect table links its entries 0 -> 1 -> ... like Linux's alloc_indirect_split.
    for (std::size_t i = 0; i + 1 < descs.size(); ++i) {
      descs[i].flags |= virtq::kDescFNext;
      descs[i].next = static_cast<std::uint16_t>(i + 1);
    }
    const auto bytes = static_cast<std::uint32_t>(descs.size() * sizeof(virtq::Desc));
    const std::uint64_t table = alloc(bytes);
    write_table(table, descs);
    added.head = next_desc();
    write_desc(added.head, {table, bytes, virtq::kDescFIndirect, 0});
  } else {
    std::vector<std::uint16_t> indices;
    for (std::size_t i = 0; i < descs.size(); ++i) indices.push_back(next_desc());
    for (std::size_t i = 0; i < descs.size(); ++i) {
      if (i + 1 < descs.size()) {
        descs[i].flags |= virtq::kDescFNext;
        descs[i].next = indices[i + 1];
      }
      write_desc(indices[i], descs[i]);
    }
    added.head = indices.empty() ? 0 : indices[0];
  }
  publish(added.head);
  return added;
}

void FakeDriverRing::publish(std::uint16_t head) {
  const std::uint16_t idx = avail_idx();
  must(memory_.write_obj(config_.avail_addr + virtq::avail_entry_offset(idx % config_.size),
                         head),
       "avail entry");
  // The driver's virtio_wmb: the entry before the index that covers it.
  std::atomic_thread_fence(std::memory_order_release);
  set_avail_idx(static_cast<std::uint16_t>(idx + 1));
}

std::uint16_t FakeDriverRing::avail_idx() const {
  return read_obj<std::uint16_t>(config_.avail_addr + virtq::kRingIdxOffset);
}

void FakeDriverRing::set_avail_idx(std::uint16_t idx) {
  must(memory_.write_obj(config_.avail_addr + virtq::kRingIdxOffset, idx), "avail idx");
}

void FakeDriverRing::set_avail_flags(std::uint16_t flags) {
  must(memory_.write_obj(config_.avail_addr + virtq::kRingFlagsOffset, flags), "flags");
}

void FakeDriverRing::set_used_event(std::uint16_t idx) {
  must(memory_.write_obj(config_.avail_addr + virtq::used_event_offset(config_.size), idx),
       "used_event");
}

std::uint16_t FakeDriverRing::avail_event() const {
  return read_obj<std::uint16_t>(config_.used_addr + virtq::avail_event_offset(config_.size));
}

std::uint16_t FakeDriverRing::used_idx() const {
  return read_obj<std::uint16_t>(config_.used_addr + virtq::kRingIdxOffset);
}

std::optional<virtq::UsedElem> FakeDriverRing::take_used() {
  if (used_idx() == last_used_) return std::nullopt;
  std::atomic_thread_fence(std::memory_order_acquire);  // the driver's virtio_rmb
  const auto elem = read_obj<virtq::UsedElem>(
      config_.used_addr + virtq::used_entry_offset(last_used_ % config_.size));
  ++last_used_;
  return elem;
}

std::vector<std::uint8_t> FakeDriverRing::read(std::uint64_t gpa, std::size_t len) const {
  std::vector<std::uint8_t> out(len);
  if (!memory_.read(gpa, out)) throw std::out_of_range("FakeDriverRing: read outside RAM");
  return out;
}

}  // namespace vmm::test
