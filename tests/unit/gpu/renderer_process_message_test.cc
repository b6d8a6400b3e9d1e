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
  bad_version[4] = kProtocolVersion + 1;
  EXPECT_FALSE(decode_message(bad_version, &error));
  EXPECT_EQ(error, "protocol version " + std::to_string(kProtocolVersion + 1) + ", this side speaks " +
                       std::to_string(kProtocolVersion));
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

namespace vmm::gpu::process {
namespace {

TEST(RendererProcessMessage, CallsRoundTrip) {
  const CallRequest call{CallOp::CreateContext, {7, 4}, "venus ctx", 0};
  std::string error;
  auto decoded = decode_call(encode_call(call), &error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(*decoded, call);
  const CallReply reply{-22, {65536, 1, 128}, 4096};
  auto back = decode_call_reply(encode_call_reply(reply), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, reply);
  const AttachRequest attach{kStagingBytes, {1ull << 20, 3ull << 30}};
  auto a = decode_attach(encode_attach(attach), &error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(*a, attach);
  for (const auto& [op, args] : std::vector<std::pair<CallOp, int>>{
           {CallOp::Capset, 2}, {CallOp::CreateResource3d, 11}, {CallOp::TransferFromHost, 12},
           {CallOp::CreateFence, 4}, {CallOp::Poll, 0}})
    EXPECT_EQ(call_arg_count(op), args) << call_op_name(op);
}

TEST(RendererProcessMessage, CallRefusals) {
  std::string error;
  EXPECT_FALSE(decode_call(encode_call({static_cast<CallOp>(99), {}, "", 0}), &error));
  EXPECT_EQ(error, "unknown call op 99");
  EXPECT_FALSE(decode_call(encode_call({CallOp::Submit, {1, 2}, "", 0}), &error));
  EXPECT_EQ(error, "submit takes 1 arguments, not 2");
  EXPECT_FALSE(decode_call(encode_call({CallOp::Submit, {1}, "", kStagingBytes + 1}), &error));
  EXPECT_TRUE(error.find("over the") != std::string::npos) << error;
  EXPECT_FALSE(decode_call_reply(encode_call_reply({0, {}, kStagingBytes + 1}), &error));
  EXPECT_TRUE(error.find("over the") != std::string::npos) << error;
  // A count over the bound is refused before anything it counts is read.
  auto many = encode_call_reply({0, {}, 0});
  many[4] = static_cast<std::uint8_t>(kMaxCallArgs + 1);
  EXPECT_FALSE(decode_call_reply(many, &error));
  EXPECT_EQ(error, "value_count " + std::to_string(kMaxCallArgs + 1) + ", over " + std::to_string(kMaxCallArgs));
  EXPECT_FALSE(decode_attach(encode_attach({kStagingBytes - 4096, {}}), &error));
  EXPECT_TRUE(error.starts_with("a staging area of")) << error;
  auto truncated = encode_call({CallOp::Poll, {}, "", 0});
  truncated.pop_back();
  EXPECT_FALSE(decode_call(truncated, &error));
  EXPECT_EQ(error, "staged runs past the payload");
}

}  // namespace
}  // namespace vmm::gpu::process
