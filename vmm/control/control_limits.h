// The bounds of the control socket (--control), in one place: PROTOCOL.md states them and
// the server enforces them, so that a client, which is as untrusted as the guest, can cost
// vmm at most a known amount of memory and no threads.
#pragma once

#include <cstddef>

namespace vmm::control {

// The protocol this server speaks; a request naming another is refused (bad-request).
inline constexpr int kProtocolVersion = 1;

// Clients connected at once. One more gets one too-many-clients line and is closed.
inline constexpr std::size_t kMaxClients = 16;

// A request line's bytes, the '\n' not counted. One byte more: a line-too-long answer,
// then the connection is closed (what follows cannot be told apart from the long line).
inline constexpr std::size_t kMaxLineBytes = 64 * 1024;

// Nesting of arrays and objects in a request; deeper is a bad-request. No command needs
// more than 2, and a bound keeps the parsed value small whatever the line holds.
inline constexpr int kMaxJsonDepth = 32;

// Output waiting for one client that does not read. Past it, events for that client are
// dropped and counted (it gets {"event":"dropped","count":N} once its queue is empty
// again) and its requests are not read until it drains: answers are never dropped, so a
// client that stops reading stops being served instead.
inline constexpr std::size_t kMaxQueuedOutputBytes = 4 * 1024 * 1024;

// Events made by other threads (vCPUs, the renderer) that the control thread has not yet
// handed to its clients. Past it they are dropped and counted for every subscriber.
inline constexpr std::size_t kMaxPendingEvents = 4096;

}  // namespace vmm::control
