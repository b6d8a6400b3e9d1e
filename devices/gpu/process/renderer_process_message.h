// Encoding and decoding of renderer_process_protocol.h's messages. The decoders are what
// vmm runs over bytes the renderer process sent, a process that hosts a large C library a
// guest feeds: every length is bounded before it is used, and a message that does not
// decode is refused with one line saying why, never trusted in part.
// (tests/fuzz/renderer_process_message_fuzz.cc runs the vmm-side decoders.)
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "devices/gpu/process/renderer_process_protocol.h"

namespace vmm::gpu::process {

struct Message {
  MessageType type{};  // every decoder sets it; initialised so gcc 12 -O2 sees no uninitialised copy in optional<Message>
  std::vector<std::uint8_t> payload;
};

struct CapsetEntry {
  std::uint32_t id = 0, max_version = 0, max_size = 0;
  bool operator==(const CapsetEntry&) const = default;
};

struct HelloReply {
  std::uint32_t protocol_version = kProtocolVersion;
  std::string virglrenderer_version;  // "1.3.0"
  std::string version_source;         // where that string comes from
  std::string library;                // the file dlopen loaded
  std::uint32_t contexts = 0;         // ContextBit
  std::uint32_t venus_wire_format = 0;
  std::string virgl_description;      // what it renders with (GpuRenderer::description())
  std::string notes;                  // why a context asked for is missing
  std::vector<CapsetEntry> capsets;
  bool operator==(const HelloReply&) const = default;
};

struct AttachRequest {
  std::uint64_t staging_bytes = 0;
  std::vector<std::uint64_t> range_sizes;  // guest RAM's ranges, in GuestMemory's order
  bool operator==(const AttachRequest&) const = default;
};

struct CallRequest {
  CallOp op = CallOp::Poll;
  std::vector<std::uint64_t> args;  // exactly call_arg_count(op) of them
  std::string text;
  std::uint64_t staged = 0;  // input bytes at the staging area's start
  bool operator==(const CallRequest&) const = default;
};

struct CallReply {
  std::int32_t rc = 0;
  std::vector<std::uint64_t> values;
  std::uint64_t staged = 0;  // output bytes at the staging area's start
  bool operator==(const CallReply&) const = default;
};

struct ErrorReply {
  ErrorCode code = ErrorCode::BadMessage;
  std::string message;
};

// The datagram for TYPE with PAYLOAD (which must be <= kMaxPayload).
std::vector<std::uint8_t> encode_message(MessageType type, std::span<const std::uint8_t> payload);
// nullopt with *error: short, wrong magic or version, a length that is not the datagram's.
std::optional<Message> decode_message(std::span<const std::uint8_t> datagram, std::string* error);

std::vector<std::uint8_t> encode_hello_reply(const HelloReply& reply);
std::optional<HelloReply> decode_hello_reply(std::span<const std::uint8_t> payload, std::string* error);

std::vector<std::uint8_t> encode_error(const ErrorReply& reply);
std::optional<ErrorReply> decode_error(std::span<const std::uint8_t> payload, std::string* error);

std::vector<std::uint8_t> encode_attach(const AttachRequest& request);
// Refuses more than kMaxRamRanges ranges and a staging area other than kStagingBytes.
std::optional<AttachRequest> decode_attach(std::span<const std::uint8_t> payload, std::string* error);

std::vector<std::uint8_t> encode_call(const CallRequest& request);
// Refuses an op it does not know, an argument count that is not the op's, staged > kStagingBytes.
std::optional<CallRequest> decode_call(std::span<const std::uint8_t> payload, std::string* error);

std::vector<std::uint8_t> encode_call_reply(const CallReply& reply);
// Refuses more than kMaxCallArgs values and staged > kStagingBytes.
std::optional<CallReply> decode_call_reply(std::span<const std::uint8_t> payload, std::string* error);

// How many u64 arguments OP takes; -1 for an op this side does not know.
int call_arg_count(CallOp op);
std::string call_op_name(CallOp op);

// A payload that must be empty (Hello, Shutdown, ShutdownReply).
bool decode_empty(std::span<const std::uint8_t> payload, std::string* error);

std::string message_type_name(MessageType type);

}  // namespace vmm::gpu::process
