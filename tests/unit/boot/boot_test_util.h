// Shared by the boot tests: EXPECT_BOOT_ERROR (the call throws BootError whose message
// contains `part`), and the setup_data chain read back from guest memory.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "boot/boot_error.h"
#include "boot/setup_data.h"

#define EXPECT_BOOT_ERROR(statement, part)                                              \
  do {                                                                                  \
    try {                                                                               \
      statement;                                                                        \
      ADD_FAILURE() << "expected BootError containing \"" << (part) << "\"";            \
    } catch (const ::vmm::BootError& e) {                                               \
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)                    \
          << "message: " << e.what();                                                   \
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos)                    \
          << "message is not one line: " << e.what();                                   \
    }                                                                                   \
  } while (0)

namespace vmm::testing {

// A field of a packed boot-protocol struct (setup_header, boot_params), read by value:
// EXPECT_EQ binds its arguments to references, and a reference to a misaligned field is
// undefined behaviour (clang's UBSan stops the test there; gcc's does not look).
template <typename T>
T packed_value(T field) {
  return field;
}

// The setup_data chain from HEAD walked the way the kernel does: (type, payload) per node.
// A node that cannot be read fails the test and ends the chain; so does a chain longer than
// LIMIT (a loop would never end).
using SetupChain = std::vector<std::pair<std::uint32_t, std::vector<std::uint8_t>>>;
inline SetupChain read_setup_chain(const GuestMemory& mem, std::uint64_t head, std::size_t limit) {
  SetupChain chain;
  for (std::uint64_t node = head; node != 0;) {
    if (chain.size() == limit) {
      ADD_FAILURE() << "setup_data chain longer than " << limit << " nodes";
      break;
    }
    const auto hdr = mem.read_obj<SetupDataHeader>(node);
    std::vector<std::uint8_t> payload(hdr ? hdr->len : 0);
    if (!hdr || !mem.read(node + sizeof(SetupDataHeader), payload)) {
      ADD_FAILURE() << "setup_data node at 0x" << std::hex << node << " cannot be read";
      break;
    }
    chain.emplace_back(hdr->type, std::move(payload));
    node = hdr->next;
  }
  return chain;
}

}  // namespace vmm::testing
