// Fuzzes vmm's side of the renderer process protocol (devices/gpu/process/
// renderer_process_message.h): the decoders vmm runs over every datagram vmm-gpu-process
// sends, a process that hosts a large C library a guest feeds and is therefore not trusted.
//
// Input: one datagram as recvmsg() returns it (at most kMaxMessage bytes). It is decoded as
// a message, and its payload by the message's type; the same bytes are also decoded directly
// as each payload kind, so the fuzzer reaches the payload decoders without first having to
// find a valid header.
//
// Invariants, for any input:
//  - nothing reads out of bounds (ASan) and every refusal has a reason;
//  - what decodes re-encodes to exactly the bytes it came from (so nothing is skipped,
//    padded or half-read): the message, a hello reply, an error;
//  - a decoded hello reply holds no string over kMaxString, no more than kMaxCapsets
//    capsets and no context bit vmm does not know;
//  - a decoded call reply (the answer to every renderer call) holds no more than
//    kMaxCallArgs values and stages no more than the staging area holds.
//
// Seeds (tests/fuzz/corpus/renderer_process_message/): a hello reply captured from
// vmm-gpu-process on this project's root (virgl and Venus; capsets VIRGL, VIRGL2, VENUS), its
// bare payload, an error reply, a shutdown reply, an empty hello, and call replies as
// vmm-gpu-process sends them (a poll's, a map_blob's, a refusal's).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "devices/gpu/process/renderer_process_message.h"
#include "tests/fuzz/fuzz_support.h"

namespace vmm::fuzz {
namespace {

using namespace gpu::process;

void check_hello(const HelloReply& h, std::span<const std::uint8_t> payload) {
  FUZZ_CHECK(h.virglrenderer_version.size() <= kMaxString && h.version_source.size() <= kMaxString &&
                 h.library.size() <= kMaxString && h.virgl_description.size() <= kMaxString &&
                 h.notes.size() <= kMaxString,
             "a string over kMaxString decoded");
  FUZZ_CHECK(h.capsets.size() <= kMaxCapsets, std::to_string(h.capsets.size()) + " capsets decoded");
  FUZZ_CHECK((h.contexts & ~(kContextVirgl | kContextVenus)) == 0, "an unknown context bit decoded");
  const auto again = encode_hello_reply(h);
  FUZZ_CHECK(std::span<const std::uint8_t>(again).size() == payload.size() &&
                 std::equal(again.begin(), again.end(), payload.begin()),
             "a hello reply does not re-encode to its own bytes");
}

void check_error(const ErrorReply& e, std::span<const std::uint8_t> payload) {
  const auto again = encode_error(e);
  FUZZ_CHECK(again.size() == payload.size() && std::equal(again.begin(), again.end(), payload.begin()),
             "an error reply does not re-encode to its own bytes");
}

void check_call_reply(const CallReply& c, std::span<const std::uint8_t> payload) {
  FUZZ_CHECK(c.values.size() <= kMaxCallArgs, std::to_string(c.values.size()) + " values decoded");
  FUZZ_CHECK(c.staged <= kStagingBytes, "a reply staging " + std::to_string(c.staged) + " bytes decoded");
  const auto again = encode_call_reply(c);
  FUZZ_CHECK(again.size() == payload.size() && std::equal(again.begin(), again.end(), payload.begin()),
             "a call reply does not re-encode to its own bytes");
}

void decode_payload_as_every_kind(std::span<const std::uint8_t> payload) {
  std::string why;
  if (auto h = decode_hello_reply(payload, &why)) check_hello(*h, payload);
  else FUZZ_CHECK(!why.empty(), "a hello reply refused without a reason");
  why.clear();
  if (auto e = decode_error(payload, &why)) check_error(*e, payload);
  else FUZZ_CHECK(!why.empty(), "an error reply refused without a reason");
  why.clear();
  if (auto c = decode_call_reply(payload, &why)) check_call_reply(*c, payload);
  else FUZZ_CHECK(!why.empty(), "a call reply refused without a reason");
  why.clear();
  if (!decode_empty(payload, &why)) FUZZ_CHECK(!why.empty(), "a non-empty payload refused without a reason");
}

void run(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxMessage) return;  // recv_datagram refuses it before any decoder sees it
  const std::span<const std::uint8_t> datagram(data, size);
  std::string why;
  if (auto m = decode_message(datagram, &why)) {
    const auto again = encode_message(m->type, m->payload);
    FUZZ_CHECK(again.size() == size && std::equal(again.begin(), again.end(), data),
               "a message does not re-encode to its own bytes");
    std::string payload_why;
    switch (m->type) {
      case MessageType::HelloReply:
        if (auto h = decode_hello_reply(m->payload, &payload_why)) check_hello(*h, m->payload);
        break;
      case MessageType::Error:
        if (auto e = decode_error(m->payload, &payload_why)) check_error(*e, m->payload);
        break;
      case MessageType::CallReply:
        if (auto c = decode_call_reply(m->payload, &payload_why)) check_call_reply(*c, m->payload);
        break;
      default:
        decode_empty(m->payload, &payload_why);
    }
  } else {
    FUZZ_CHECK(!why.empty(), "a message refused without a reason");
  }
  decode_payload_as_every_kind(datagram);
}

}  // namespace
}  // namespace vmm::fuzz

VMM_FUZZ_TARGET_BYTES(vmm::fuzz::run)
