// Notification suppression both ways: used-buffer interrupts (NO_INTERRUPT, used_event) and
// available-buffer notifications (avail_event, written by pop()).
#include "devices/virtio/virtqueue.h"

#include <gtest/gtest.h>

#include "tests/unit/virtio/queue_fixture.h"

namespace vmm::test {
namespace {

TEST(VirtqNeedEvent, NotifiesWhenTheIndexStepsPastTheEvent) {
  EXPECT_TRUE(virtq::need_event(0, 1, 0));
  EXPECT_FALSE(virtq::need_event(1, 1, 0));  // event 1 means "after entry 1 is used"
  EXPECT_TRUE(virtq::need_event(1, 2, 0));
  EXPECT_TRUE(virtq::need_event(5, 9, 3));
  EXPECT_FALSE(virtq::need_event(2, 9, 3));  // already stepped past before `old`
  EXPECT_FALSE(virtq::need_event(9, 9, 3));
  EXPECT_TRUE(virtq::need_event(65535, 2, 65534));  // across the wrap
  EXPECT_FALSE(virtq::need_event(3, 2, 65534));
  EXPECT_FALSE(virtq::need_event(0, 5, 5));  // no movement, no notification
}

class VirtqueueNotify : public QueueTest {
 protected:
  // Pops one chain and returns it used, as a device does before deciding to interrupt.
  void complete_one() {
    ring->add_chain({FakeBuffer::writable(4)});
    auto r = queue->pop();
    ASSERT_EQ(r.status, Status::Chain) << r.error;
    queue->push_used(r.chain.head, 4);
    ASSERT_TRUE(ring->take_used().has_value());
  }
};

TEST_F(VirtqueueNotify, WithoutEventIdxNotifiesUnlessNoInterrupt) {
  complete_one();
  EXPECT_TRUE(queue->should_notify());
  EXPECT_FALSE(queue->should_notify()) << "nothing new since the last call";
  ring->set_avail_flags(virtq::kAvailFNoInterrupt);
  complete_one();
  EXPECT_FALSE(queue->should_notify());
  ring->set_avail_flags(0);
  complete_one();
  EXPECT_TRUE(queue->should_notify());
}

TEST_F(VirtqueueNotify, WithoutEventIdxUsedEventIsIgnored) {
  ring->set_used_event(100);
  complete_one();
  EXPECT_TRUE(queue->should_notify());
}

TEST_F(VirtqueueNotify, EventIdxFollowsUsedEvent) {
  make_queue({.event_idx = true});
  complete_one();  // used idx 0 -> 1, used_event 0
  EXPECT_TRUE(queue->should_notify());
  ring->set_used_event(3);  // "interrupt me once entry 3 is used", i.e. idx goes past 3
  complete_one();           // 1 -> 2
  EXPECT_FALSE(queue->should_notify());
  complete_one();  // 2 -> 3
  EXPECT_FALSE(queue->should_notify());
  complete_one();  // 3 -> 4
  EXPECT_TRUE(queue->should_notify());
  complete_one();  // 4 -> 5: event 3 is behind
  EXPECT_FALSE(queue->should_notify());
}

TEST_F(VirtqueueNotify, EventIdxCoversEverythingSinceTheLastCall) {
  make_queue({.event_idx = true});
  ring->set_used_event(5);
  for (int i = 0; i < 8; ++i) complete_one();  // 0 -> 8 in one batch
  EXPECT_TRUE(queue->should_notify());
  ring->set_used_event(20);
  for (int i = 0; i < 4; ++i) complete_one();  // 8 -> 12
  EXPECT_FALSE(queue->should_notify());
  EXPECT_FALSE(queue->should_notify());
}

TEST_F(VirtqueueNotify, EventIdxIgnoresTheNoInterruptFlag) {
  make_queue({.event_idx = true});
  ring->set_avail_flags(virtq::kAvailFNoInterrupt);
  complete_one();
  EXPECT_TRUE(queue->should_notify());
}

TEST_F(VirtqueueNotify, EventIdxAcrossTheIndexWrap) {
  make_queue({.size = 4, .event_idx = true});
  ring->set_used_event(0xffff - 1);  // keep interrupts off while cycling (no match until end)
  for (std::uint32_t i = 0; i < 65534; ++i) {
    complete_one();
    queue->should_notify();
  }
  ASSERT_EQ(ring->used_idx(), 65534u);
  ring->set_used_event(65535);
  complete_one();  // 65534 -> 65535
  EXPECT_FALSE(queue->should_notify());
  complete_one();  // 65535 -> 0
  EXPECT_TRUE(queue->should_notify());
  ring->set_used_event(1);
  complete_one();  // 0 -> 1
  EXPECT_FALSE(queue->should_notify());
  complete_one();  // 1 -> 2
  EXPECT_TRUE(queue->should_notify());
}

TEST_F(VirtqueueNotify, EmptyPopAsksForTheNextBufferWithEventIdx) {
  make_queue({.event_idx = true});
  for (int i = 0; i < 3; ++i) ring->add_chain({FakeBuffer::writable(1)});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(queue->pop().status, Status::Chain);
  EXPECT_EQ(queue->pop().status, Status::Empty);
  EXPECT_EQ(ring->avail_event(), 3u);
  // The driver, adding entry 3 (avail idx 3 -> 4), must now notify.
  EXPECT_TRUE(virtq::need_event(ring->avail_event(), 4, 3));
}

TEST_F(VirtqueueNotify, WithoutEventIdxAvailEventIsNotWritten) {
  ring->add_chain({FakeBuffer::writable(1)});
  ASSERT_EQ(queue->pop().status, Status::Chain);
  EXPECT_EQ(queue->pop().status, Status::Empty);
  EXPECT_EQ(ring->avail_event(), 0u);
  EXPECT_EQ(ring->read_obj<std::uint16_t>(ring->config().used_addr), 0u)
      << "used->flags stays 0: the device never suppresses notifications";
}

}  // namespace
}  // namespace vmm::test
