// The renderer process protocol's codec: what vmm sends round-trips, and what it refuses to
// decode from the process is refused for the reason it names.
#include "devices/gpu/process/renderer_process_message.h"

#include <gtest/gtest.h>

#include <cstring>

namespace vmm::gpu::process {
namespace {

HelloReply sample() {
  HelloReply h;
  h.virglrenderer_version = "1.3.0";
  h.version_source = "manifest";
  h.library = "/root/libvirglrenderer.so.1";
  h.contexts = kContextVirgl | kContextVenus;
  h.venus_wire_format = 1;
  h.virgl_description = "llvmpipe";
  h.capsets = {{1, 1, 308}, {2, 2, 1408}, {4, 0, 160}};
  return h;
}

TEST(RendererProcessMessage, HelloReplyRoundTrips) {
  const auto datagram = encode_message(MessageType::HelloReply, encode_hello_reply(sample()));
  std::string error;
  auto m = decode_message(datagram, &error);
  ASSERT_TRUE(m) << error;
  EXPECT_EQ(m->type, MessageType::HelloReply);
  auto h = decode_hello_reply(m->payload, &error);
  ASSERT_TRUE(h) << error;
  EXPECT_EQ(*h, sample());
}

TEST(RendererProcessMessage, ErrorRoundTrips) {
  std::string error;
  auto e = decode_error(encode_error({ErrorCode::UnknownRequest, "no"}), &error);
  ASSERT_TRUE(e) << error;
  EXPECT_EQ(e->code, ErrorCode::UnknownRequest);
  EXPECT_EQ(e->message, "no");
}

TEST(RendererProcessMessage, HeaderRefusals) {
  std::string error;
  auto good = encode_message(MessageType::Hello, {});
  EXPECT_FALSE(decode_message(std::span(good).first(11), &error));
  EXPECT_EQ(error, "a 11-byte message, shorter than its 12-byte header");
  auto bad_magic = good;
  bad_magic[0] ^= 1;
  EXPECT_FALSE(decode_message(bad_magic, &error));
  EXPECT_TRUE(error.starts_with("bad magic")) << error;
  auto bad_version = good;
  bad_version[4] = 2;
  EXPECT_FALSE(decode_message(bad_version, &error));
  EXPECT_EQ(error, "protocol version 2, this side speaks 1");
  auto longer = good;
  longer.push_back(0);  // one byte more than the header's length says
  EXPECT_FALSE(decode_message(longer, &error));
  EXPECT_TRUE(error.starts_with("payload length 0 in a 13-byte message")) << error;
}

TEST(RendererProcessMessage, HelloReplyRefusals) {
  std::string error;
  const auto payload = encode_hello_reply(sample());
  EXPECT_FALSE(decode_hello_reply(std::span(payload).first(payload.size() - 1), &error));
  EXPECT_EQ(error, "capset max_size runs past the payload");
  auto extra = payload;
  extra.push_back(0);
  EXPECT_FALSE(decode_hello_reply(extra, &error));
  EXPECT_EQ(error, "1 bytes left after the last field");
  auto long_string = payload;
  const std::uint16_t n = kMaxString + 1;  // virglrenderer_version's length, after protocol_version
  std::memcpy(long_string.data() + 4, &n, sizeof(n));
  EXPECT_FALSE(decode_hello_reply(long_string, &error));
  EXPECT_EQ(error, "virglrenderer_version is 1025 bytes, over 1024");
  HelloReply unknown = sample();
  unknown.contexts = 1u << 7;
  EXPECT_FALSE(decode_hello_reply(encode_hello_reply(unknown), &error));
  EXPECT_EQ(error, "contexts 128 names a context type vmm does not know");
}

TEST(RendererProcessMessage, EmptyPayloadsAreEmpty) {
  std::string error;
  EXPECT_TRUE(decode_empty({}, &error));
  const std::uint8_t one = 0;
  EXPECT_FALSE(decode_empty(std::span(&one, 1), &error));
  EXPECT_EQ(error, "1 bytes left after the last field");
}

}  // namespace
}  // namespace vmm::gpu::process
