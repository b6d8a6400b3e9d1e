// The control server (vmm/control/control_server.h) over real Unix sockets, against a fake
// ControlTarget: several clients, pipelined requests, events, and the untrusted-client
// cases of PROTOCOL.md "Bounds" (a 100 MB line, a client that never reads, a thousand
// connections, a client gone mid-answer, a peer of another uid).
#include "vmm/control/control_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "tests/unit/control/fake_control_target.h"
#include "tests/unit/control/test_client.h"
#include "vmm/control/control_limits.h"

namespace vmm::control {
namespace {

using nlohmann::json;
using testing::LineReader;

struct Client {
  UniqueFd fd;
  LineReader reader;
  explicit Client(UniqueFd socket) : fd(std::move(socket)), reader(fd.get()) {}
  json ask(const json& request) {
    EXPECT_TRUE(testing::send_all(fd.get(), request.dump() + "\n"));
    auto answer = reader.json();
    EXPECT_TRUE(answer.has_value()) << "no answer to " << request.dump();
    return answer.value_or(json());
  }
};

// VmRSS of this process, in bytes.
std::uint64_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::uint64_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

class ControlServerTest : public ::testing::Test {
 protected:
  void start(uid_t allowed_uid = ::geteuid()) {
    feed = std::make_shared<EventFeed>();
    server = std::make_unique<ControlServer>(ControlSocket::listen_at(path), target, feed, "9.9-test",
                                             std::function<void()>{}, allowed_uid);
  }
  void SetUp() override { start(); }

  std::unique_ptr<Client> client() {
    auto c = std::make_unique<Client>(testing::connect_to(path));
    auto greeting = c->reader.json();
    EXPECT_TRUE(greeting.has_value());
    if (greeting) {
      EXPECT_EQ((*greeting)["vmm"]["version"], "9.9-test");
      EXPECT_EQ((*greeting)["vmm"]["protocol"], 1);
    }
    return c;
  }

  testing::TempDir dir;
  std::string path = dir.file("ctl.sock");
  FakeControlTarget target;
  std::shared_ptr<EventFeed> feed;
  std::unique_ptr<ControlServer> server;
};

TEST_F(ControlServerTest, AnswersSeveralClientsAtOnceEachWithItsOwnIds) {
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 5; ++i) clients.push_back(client());
  // All ask before any reads: the one thread serves them in turn.
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(testing::send_all(clients[i]->fd.get(), json{{"cmd", "status"}, {"id", i}}.dump() + "\n"));
  for (int i = 0; i < 5; ++i) {
    auto answer = clients[i]->reader.json();
    ASSERT_TRUE(answer);
    EXPECT_EQ((*answer)["id"], i);
    EXPECT_EQ((*answer)["ok"], true);
    EXPECT_EQ((*answer)["data"]["vcpus"], 2);
  }
}

TEST_F(ControlServerTest, PipelinedRequestsAreAnsweredInOrderAndErrorsKeepTheConnection) {
  auto c = client();
  ASSERT_TRUE(testing::send_all(c->fd.get(), "{\"cmd\":\"status\",\"id\":1}\nnot json\n\r\n{\"cmd\":\"nope\",\"id\":3}\r\n"
                                             "{\"cmd\":\"slots\",\"id\":4}\n"));
  auto a1 = c->reader.json(), a2 = c->reader.json(), a3 = c->reader.json(), a4 = c->reader.json();
  ASSERT_TRUE(a1 && a2 && a3 && a4);
  EXPECT_EQ((*a1)["id"], 1);
  EXPECT_EQ((*a2)["error"]["code"], "bad-json");
  EXPECT_TRUE((*a2)["id"].is_null());
  EXPECT_EQ((*a3)["error"]["code"], "unknown-command");  // the blank line asked nothing
  EXPECT_EQ((*a3)["id"], 3);
  EXPECT_EQ((*a4)["id"], 4);
  EXPECT_EQ((*a4)["data"]["slots"][0]["slot"], 0);
}

TEST_F(ControlServerTest, PauseResumeStopAndScreenshotReachTheTarget) {
  auto c = client();
  EXPECT_EQ(c->ask({{"cmd", "pause"}})["data"], (json{{"state", "paused"}, {"changed", true}}));
  EXPECT_EQ(c->ask({{"cmd", "pause"}})["data"]["changed"], false);  // idempotent
  EXPECT_EQ(c->ask({{"cmd", "status"}})["data"]["state"], "paused");
  EXPECT_EQ(c->ask({{"cmd", "resume"}})["data"], (json{{"state", "running"}, {"changed", true}}));
  EXPECT_EQ(c->ask({{"cmd", "screenshot"}, {"args", {{"path", "shot.png"}}}})["error"]["code"], "bad-args");
  EXPECT_EQ(c->ask({{"cmd", "screenshot"}})["error"]["code"], "bad-args");
  EXPECT_EQ(c->ask({{"cmd", "screenshot"}, {"args", {{"path", "/x/shot.png"}}}})["data"]["path"], "/x/shot.png");
  EXPECT_EQ(c->ask({{"cmd", "stop"}})["data"]["state"], "stopping");
  const json refused = c->ask({{"cmd", "pause"}, {"id", "late"}});
  EXPECT_EQ(refused["error"]["code"], "stopping");
  EXPECT_EQ(refused["id"], "late");
  EXPECT_EQ(target.pauses, 2);
  EXPECT_EQ(target.screenshots, std::vector<std::string>{"/x/shot.png"});
}

TEST_F(ControlServerTest, EventsGoToSubscribersOnly) {
  auto listener = client();
  auto other = client();
  EXPECT_EQ(listener->ask({{"cmd", "events"}, {"id", 1}})["data"]["subscribed"], true);
  ASSERT_TRUE(feed->wanted());
  feed->publish(encode_event("memslot", {{"event", "add"}, {"slot", 3}}));
  auto event = listener->reader.json();
  ASSERT_TRUE(event);
  EXPECT_EQ(*event, (json{{"event", "memslot"}, {"data", {{"event", "add"}, {"slot", 3}}}}));
  EXPECT_FALSE(other->reader.line(200).has_value());
  listener.reset();  // the subscriber leaves: producers stop making events
  for (int i = 0; i < 100 && feed->wanted(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(feed->wanted());
}

TEST_F(ControlServerTest, AHundredMegabyteLineIsRefusedAndClosedInBoundedMemory) {
  auto c = client();
  const std::uint64_t before = resident_bytes();
  std::uint64_t sent = 0;
  std::thread sender([&] {
    const std::string chunk(1 << 20, 'x');
    while (sent < 100ull << 20 && testing::send_all(c->fd.get(), chunk)) sent += chunk.size();
  });
  auto answer = c->reader.json(10000);
  sender.join();
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["error"]["code"], "line-too-long");
  EXPECT_TRUE(c->reader.closed());
  // The server stopped reading just past the bound: the sender could not push 100 MB.
  EXPECT_LT(sent, 100ull << 20);
  EXPECT_LT(resident_bytes(), before + (16u << 20));
  EXPECT_EQ(client()->ask({{"cmd", "status"}})["ok"], true);  // the server goes on
}

TEST_F(ControlServerTest, AClientThatNeverReadsIsBoundedAndToldHowManyEventsItMissed) {
  auto slow = client();
  EXPECT_EQ(slow->ask({{"cmd", "events"}})["ok"], true);
  auto other = client();
  const std::string padding(1000, 'p');
  constexpr int kEvents = 20000;  // ~20 MB, five times the bound
  for (int i = 0; i < kEvents; ++i) {
    feed->publish(encode_event("memslot", {{"n", i}, {"pad", padding}}));
    if (i % 1000 == 999) {
      EXPECT_EQ(other->ask({{"cmd", "status"}})["ok"], true);  // served meanwhile
    }
  }
  EXPECT_EQ(other->ask({{"cmd", "status"}})["ok"], true);  // every event was handed out
  // Now read everything: events in order, then one notice for those that did not fit.
  std::uint64_t received = 0, dropped = 0, bytes = 0;
  int last = -1;
  while (auto line = slow->reader.line(1000)) {
    bytes += line->size() + 1;
    const json message = json::parse(*line);
    if (message["event"] == "dropped") {
      dropped += message["count"].get<std::uint64_t>();
      continue;
    }
    const int n = message["data"]["n"];
    EXPECT_GT(n, last);
    last = n;
    ++received;
  }
  EXPECT_EQ(received + dropped, static_cast<std::uint64_t>(kEvents));
  EXPECT_GT(dropped, 0u);
  // What was queued for it: the bound, plus what the kernel's socket buffers held.
  EXPECT_LT(bytes, kMaxQueuedOutputBytes + (4u << 20));
}

TEST_F(ControlServerTest, AThousandConnectionsLeaveSixteenLiveAndTheServerAnswering) {
  std::vector<std::unique_ptr<Client>> live;
  for (std::size_t i = 0; i < kMaxClients; ++i) live.push_back(client());
  int refused = 0;
  for (int i = 0; i < 1000 - static_cast<int>(kMaxClients); ++i) {
    UniqueFd fd = testing::connect_to(path);
    ASSERT_TRUE(fd.valid()) << i;
    LineReader reader(fd.get());
    auto line = reader.json();
    ASSERT_TRUE(line) << i;
    EXPECT_EQ((*line)["error"]["code"], "too-many-clients");
    EXPECT_TRUE(reader.closed());
    ++refused;
  }
  EXPECT_EQ(refused, 984);
  EXPECT_EQ(live.front()->ask({{"cmd", "status"}})["ok"], true);
  EXPECT_EQ(live.back()->ask({{"cmd", "status"}})["ok"], true);
  // A place freed is a place to take.
  live.pop_back();
  std::optional<json> greeting;
  for (int attempt = 0; attempt < 50 && !(greeting && greeting->contains("vmm")); ++attempt) {
    UniqueFd fd = testing::connect_to(path);
    greeting = LineReader(fd.get()).json();
    if (!(greeting && greeting->contains("vmm"))) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(greeting);
  EXPECT_TRUE(greeting->contains("vmm"));
}

TEST_F(ControlServerTest, AClientGoneMidAnswerIsDroppedWithoutSigpipe) {
  target.report_data = {{"big", std::string(8u << 20, 'r')}};  // far more than a socket buffer
  for (int i = 0; i < 3; ++i) {
    auto c = client();
    ASSERT_TRUE(testing::send_all(c->fd.get(), "{\"cmd\":\"report\"}\n"));
    char some[100];
    ASSERT_GT(::recv(c->fd.get(), some, sizeof some, 0), 0);  // the answer has begun
  }  // ... and each client is gone
  // One that stops receiving but stays connected: the server's next send fails with EPIPE
  // (a closed peer is mostly seen as POLLHUP first, before any send).
  for (int i = 0; i < 3; ++i) {
    auto c = client();
    ASSERT_TRUE(testing::send_all(c->fd.get(), "{\"cmd\":\"report\"}\n"));
    char some[65536];
    ASSERT_GT(::recv(c->fd.get(), some, 100, 0), 0);
    ::shutdown(c->fd.get(), SHUT_RD);
    // What was queued for it is taken, so the server has room to send again, and does.
    for (int j = 0; j < 100; ++j) {
      while (::recv(c->fd.get(), some, sizeof some, MSG_DONTWAIT) > 0) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }  // a SIGPIPE would have ended this test program
  EXPECT_EQ(client()->ask({{"cmd", "status"}})["ok"], true);
}

TEST_F(ControlServerTest, APeerOfAnotherUidIsClosedUnanswered) {
  server.reset();
  start(::geteuid() + 1);
  UniqueFd fd = testing::connect_to(path);
  ASSERT_TRUE(fd.valid());
  LineReader reader(fd.get());
  EXPECT_FALSE(reader.line().has_value());
  EXPECT_TRUE(reader.closed());
}

TEST_F(ControlServerTest, EndingTheServerClosesClientsAndRemovesTheSocket) {
  auto c = client();
  server.reset();
  EXPECT_TRUE(c->reader.closed());
  struct stat st {};
  EXPECT_NE(::lstat(path.c_str(), &st), 0);
  EXPECT_FALSE(feed->wanted());
  feed->publish("ignored\n");  // listeners outlive the server: harmless
}

}  // namespace
}  // namespace vmm::control
