#include "devices/gpu/process/renderer_process_message.h"

#include <cstring>

namespace vmm::gpu::process {

namespace {

class Writer {
 public:
  void u16(std::uint16_t v) { put(&v, sizeof(v)); }
  void u32(std::uint32_t v) { put(&v, sizeof(v)); }
  void u64(std::uint64_t v) { put(&v, sizeof(v)); }
  // Longer strings are cut to kMaxString: the reader refuses more, and the strings sent are
  // descriptions, not data.
  void str(const std::string& s) {
    const std::size_t n = s.size() < kMaxString ? s.size() : kMaxString;
    u16(static_cast<std::uint16_t>(n));
    put(s.data(), n);
  }
  std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  void put(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  std::vector<std::uint8_t> bytes_;
};

// Reads fields in order; the first that does not fit sets error_ and every later read fails.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  bool u16(std::uint16_t* v, const char* what) { return get(v, sizeof(*v), what); }
  bool u32(std::uint32_t* v, const char* what) { return get(v, sizeof(*v), what); }
  bool u64(std::uint64_t* v, const char* what) { return get(v, sizeof(*v), what); }
  // A u32 count, then that many u64s; a count over MAX is refused before anything is read.
  bool u64s(std::vector<std::uint64_t>* out, std::size_t max, const char* what) {
    std::uint32_t n = 0;
    if (!u32(&n, what)) return false;
    if (n > max) return fail(std::string(what) + " " + std::to_string(n) + ", over " + std::to_string(max));
    for (std::uint32_t i = 0; i < n; ++i) {
      std::uint64_t v = 0;
      if (!u64(&v, what)) return false;
      out->push_back(v);
    }
    return true;
  }
  bool str(std::string* s, const char* what) {
    std::uint16_t n = 0;
    if (!u16(&n, what)) return false;
    if (n > kMaxString) return fail(std::string(what) + " is " + std::to_string(n) + " bytes, over " +
                                    std::to_string(kMaxString));
    if (n > bytes_.size() - at_) return fail(std::string(what) + " runs past the payload");
    s->assign(reinterpret_cast<const char*>(bytes_.data() + at_), n);
    at_ += n;
    return true;
  }
  bool finish(std::string* error) {
    if (error_.empty() && at_ != bytes_.size())
      fail(std::to_string(bytes_.size() - at_) + " bytes left after the last field");
    if (!error_.empty()) *error = error_;
    return error_.empty();
  }

 private:
  bool get(void* v, std::size_t n, const char* what) {
    if (!error_.empty()) return false;
    if (n > bytes_.size() - at_) return fail(std::string(what) + " runs past the payload");
    std::memcpy(v, bytes_.data() + at_, n);
    at_ += n;
    return true;
  }
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }
  std::span<const std::uint8_t> bytes_;
  std::size_t at_ = 0;
  std::string error_;
};

}  // namespace

std::string message_type_name(MessageType type) {
  switch (type) {
    case MessageType::Hello: return "hello";
    case MessageType::Shutdown: return "shutdown";
    case MessageType::HelloReply: return "hello reply";
    case MessageType::ShutdownReply: return "shutdown reply";
    case MessageType::Attach: return "attach";
    case MessageType::Call: return "call";
    case MessageType::AttachReply: return "attach reply";
    case MessageType::CallReply: return "call reply";
    case MessageType::Error: return "error";
  }
  return "type " + std::to_string(static_cast<unsigned>(type));
}

std::vector<std::uint8_t> encode_message(MessageType type, std::span<const std::uint8_t> payload) {
  Writer w;
  w.u32(kMagic);
  w.u16(kProtocolVersion);
  w.u16(static_cast<std::uint16_t>(type));
  w.u32(static_cast<std::uint32_t>(payload.size()));
  std::vector<std::uint8_t> bytes = w.take();
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  return bytes;
}

std::optional<Message> decode_message(std::span<const std::uint8_t> datagram, std::string* error) {
  if (datagram.size() < kHeaderBytes) {
    *error = "a " + std::to_string(datagram.size()) + "-byte message, shorter than its " +
             std::to_string(kHeaderBytes) + "-byte header";
    return std::nullopt;
  }
  Reader r(datagram.first(kHeaderBytes));
  std::uint32_t magic = 0, length = 0;
  std::uint16_t version = 0, type = 0;
  r.u32(&magic, "magic");
  r.u16(&version, "version");
  r.u16(&type, "type");
  r.u32(&length, "length");
  if (!r.finish(error)) return std::nullopt;
  if (magic != kMagic) {
    *error = "bad magic " + std::to_string(magic);
    return std::nullopt;
  }
  if (version != kProtocolVersion) {
    *error = "protocol version " + std::to_string(version) + ", this side speaks " +
             std::to_string(kProtocolVersion);
    return std::nullopt;
  }
  if (length > kMaxPayload || length != datagram.size() - kHeaderBytes) {
    *error = "payload length " + std::to_string(length) + " in a " + std::to_string(datagram.size()) +
             "-byte message (at most " + std::to_string(kMaxPayload) + ")";
    return std::nullopt;
  }
  Message m{static_cast<MessageType>(type), {}};
  m.payload.assign(datagram.begin() + kHeaderBytes, datagram.end());
  return m;
}

std::vector<std::uint8_t> encode_hello_reply(const HelloReply& reply) {
  Writer w;
  w.u32(reply.protocol_version);
  w.str(reply.virglrenderer_version);
  w.str(reply.version_source);
  w.str(reply.library);
  w.u32(reply.contexts);
  w.u32(reply.venus_wire_format);
  w.str(reply.virgl_description);
  w.str(reply.notes);
  const std::size_t n = reply.capsets.size() < kMaxCapsets ? reply.capsets.size() : kMaxCapsets;
  w.u32(static_cast<std::uint32_t>(n));
  for (std::size_t i = 0; i < n; ++i) {
    w.u32(reply.capsets[i].id);
    w.u32(reply.capsets[i].max_version);
    w.u32(reply.capsets[i].max_size);
  }
  return w.take();
}

std::optional<HelloReply> decode_hello_reply(std::span<const std::uint8_t> payload, std::string* error) {
  Reader r(payload);
  HelloReply h;
  r.u32(&h.protocol_version, "protocol_version");
  r.str(&h.virglrenderer_version, "virglrenderer_version");
  r.str(&h.version_source, "version_source");
  r.str(&h.library, "library");
  r.u32(&h.contexts, "contexts");
  r.u32(&h.venus_wire_format, "venus_wire_format");
  r.str(&h.virgl_description, "virgl_description");
  r.str(&h.notes, "notes");
  std::uint32_t count = 0;
  if (r.u32(&count, "capset_count") && count > kMaxCapsets) {
    *error = "capset_count " + std::to_string(count) + ", over " + std::to_string(kMaxCapsets);
    return std::nullopt;
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    CapsetEntry c;
    r.u32(&c.id, "capset id");
    r.u32(&c.max_version, "capset max_version");
    r.u32(&c.max_size, "capset max_size");
    h.capsets.push_back(c);
  }
  if (!r.finish(error)) return std::nullopt;
  if (h.contexts & ~(kContextVirgl | kContextVenus)) {
    *error = "contexts " + std::to_string(h.contexts) + " names a context type vmm does not know";
    return std::nullopt;
  }
  return h;
}

std::vector<std::uint8_t> encode_error(const ErrorReply& reply) {
  Writer w;
  w.u32(static_cast<std::uint32_t>(reply.code));
  w.str(reply.message);
  return w.take();
}

std::optional<ErrorReply> decode_error(std::span<const std::uint8_t> payload, std::string* error) {
  Reader r(payload);
  std::uint32_t code = 0;
  ErrorReply e;
  r.u32(&code, "code");
  r.str(&e.message, "message");
  if (!r.finish(error)) return std::nullopt;
  e.code = static_cast<ErrorCode>(code);
  return e;
}

namespace {

void put_u64s(Writer& w, const std::vector<std::uint64_t>& values) {
  const std::size_t n = values.size() < kMaxCallArgs ? values.size() : kMaxCallArgs;
  w.u32(static_cast<std::uint32_t>(n));
  for (std::size_t i = 0; i < n; ++i) w.u64(values[i]);
}

struct OpInfo {
  CallOp op;
  int args;
  const char* name;
};

constexpr OpInfo kOps[] = {
    {CallOp::Capset, 2, "capset"},
    {CallOp::CreateContext, 2, "create_context"},
    {CallOp::DestroyContext, 1, "destroy_context"},
    {CallOp::AttachResource, 2, "attach_resource"},
    {CallOp::DetachResource, 2, "detach_resource"},
    {CallOp::Submit, 1, "submit"},
    {CallOp::CreateResource3d, 11, "create_resource_3d"},
    {CallOp::CreateBlob, 6, "create_blob"},
    {CallOp::UnrefResource, 1, "unref_resource"},
    {CallOp::AttachBacking, 1, "attach_backing"},
    {CallOp::DetachBacking, 1, "detach_backing"},
    {CallOp::TransferToHost, 12, "transfer_to_host"},
    {CallOp::TransferFromHost, 12, "transfer_from_host"},
    {CallOp::MapBlob, 1, "map_blob"},
    {CallOp::UnmapBlob, 1, "unmap_blob"},
    {CallOp::MapInfo, 1, "map_info"},
    {CallOp::CreateFence, 4, "create_fence"},
    {CallOp::Poll, 0, "poll"},
};

// STAGED against the staging area: true, or false with *error naming WHAT staged it.
bool staged_fits(std::uint64_t staged, const std::string& what, std::string* error) {
  if (staged <= kStagingBytes) return true;
  *error = what + ": " + std::to_string(staged) + " staged bytes, over the " +
           std::to_string(kStagingBytes) + "-byte staging area";
  return false;
}

const OpInfo* op_info(CallOp op) {
  for (const OpInfo& info : kOps)
    if (info.op == op) return &info;
  return nullptr;
}

}  // namespace

int call_arg_count(CallOp op) {
  const OpInfo* info = op_info(op);
  return info ? info->args : -1;
}

std::string call_op_name(CallOp op) {
  const OpInfo* info = op_info(op);
  return info ? info->name : "op " + std::to_string(static_cast<std::uint32_t>(op));
}

std::vector<std::uint8_t> encode_attach(const AttachRequest& request) {
  Writer w;
  w.u64(request.staging_bytes);
  const std::size_t n = request.range_sizes.size() < kMaxRamRanges ? request.range_sizes.size() : kMaxRamRanges;
  w.u32(static_cast<std::uint32_t>(n));
  for (std::size_t i = 0; i < n; ++i) w.u64(request.range_sizes[i]);
  return w.take();
}

std::optional<AttachRequest> decode_attach(std::span<const std::uint8_t> payload, std::string* error) {
  Reader r(payload);
  AttachRequest a;
  r.u64(&a.staging_bytes, "staging_bytes");
  r.u64s(&a.range_sizes, kMaxRamRanges, "range_count");
  if (!r.finish(error)) return std::nullopt;
  if (a.staging_bytes != kStagingBytes) {
    *error = "a staging area of " + std::to_string(a.staging_bytes) + " bytes, not " +
             std::to_string(kStagingBytes);
    return std::nullopt;
  }
  return a;
}

namespace {

// A call and its reply share one layout: a u32 head (the op; the rc), u32-counted u64s (the
// arguments; the values), a string (the call's only), and the staged byte count.
std::vector<std::uint8_t> encode_call_fields(std::uint32_t head, const std::vector<std::uint64_t>& values,
                                             const std::string* text, std::uint64_t staged) {
  Writer w;
  w.u32(head);
  put_u64s(w, values);
  if (text != nullptr) w.str(*text);
  w.u64(staged);
  return w.take();
}

// The same fields read back (TEXT null: the reply, which has none), the staged count bounded
// by the staging area; WHAT names the message for that refusal.
bool decode_call_fields(std::span<const std::uint8_t> payload, const char* head_name,
                        const char* count_name, std::uint32_t* head, std::vector<std::uint64_t>* values,
                        std::string* text, std::uint64_t* staged, std::string* error) {
  Reader r(payload);
  r.u32(head, head_name);
  r.u64s(values, kMaxCallArgs, count_name);
  if (text != nullptr) r.str(text, "text");
  r.u64(staged, "staged");
  return r.finish(error);
}

}  // namespace

std::vector<std::uint8_t> encode_call(const CallRequest& request) {
  return encode_call_fields(static_cast<std::uint32_t>(request.op), request.args, &request.text, request.staged);
}

std::optional<CallRequest> decode_call(std::span<const std::uint8_t> payload, std::string* error) {
  CallRequest c;
  std::uint32_t op = 0;
  if (!decode_call_fields(payload, "op", "arg_count", &op, &c.args, &c.text, &c.staged, error))
    return std::nullopt;
  c.op = static_cast<CallOp>(op);
  const int want = call_arg_count(c.op);
  if (want < 0) {
    *error = "unknown call op " + std::to_string(op);
    return std::nullopt;
  }
  if (c.args.size() != static_cast<std::size_t>(want)) {
    *error = call_op_name(c.op) + " takes " + std::to_string(want) + " arguments, not " +
             std::to_string(c.args.size());
    return std::nullopt;
  }
  if (!staged_fits(c.staged, call_op_name(c.op), error)) return std::nullopt;
  return c;
}

std::vector<std::uint8_t> encode_call_reply(const CallReply& reply) {
  return encode_call_fields(static_cast<std::uint32_t>(reply.rc), reply.values, nullptr, reply.staged);
}

std::optional<CallReply> decode_call_reply(std::span<const std::uint8_t> payload, std::string* error) {
  CallReply c;
  std::uint32_t rc = 0;
  if (!decode_call_fields(payload, "rc", "value_count", &rc, &c.values, nullptr, &c.staged, error) ||
      !staged_fits(c.staged, "a reply", error))
    return std::nullopt;
  c.rc = static_cast<std::int32_t>(rc);
  return c;
}

bool decode_empty(std::span<const std::uint8_t> payload, std::string* error) {
  Reader r(payload);
  return r.finish(error);
}

}  // namespace vmm::gpu::process
