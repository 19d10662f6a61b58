#include "base/connection_gate.h"

#include <gtest/gtest.h>

#include <vector>

namespace vigil {
namespace {

using Refusal = ConnectionGate::Refusal;

TEST(ConnectionGate, LimitsEachSource) {
  ConnectionGate gate({.max_connections = 10, .max_per_source = 2});
  Refusal refusal;
  auto a = gate.Admit("10.0.0.1", nullptr, &refusal);
  auto b = gate.Admit("10.0.0.1", nullptr, &refusal);
  auto c = gate.Admit("10.0.0.1", nullptr, &refusal);
  EXPECT_TRUE(a.admitted() && b.admitted());
  EXPECT_FALSE(c.admitted());
  EXPECT_EQ(refusal, Refusal::kSourceFull);
  auto other = gate.Admit("10.0.0.2", nullptr, &refusal);
  EXPECT_TRUE(other.admitted());
  a = ConnectionGate::Ticket();  // released: the source has room again
  EXPECT_TRUE(gate.Admit("10.0.0.1", nullptr, &refusal).admitted());
}

TEST(ConnectionGate, UnixPeersCountOnlyTowardTheTotal) {
  ConnectionGate gate({.max_connections = 3, .max_per_source = 1});
  Refusal refusal;
  std::vector<ConnectionGate::Ticket> tickets;
  for (int i = 0; i < 3; ++i) tickets.push_back(gate.Admit("", nullptr, &refusal));
  for (auto& t : tickets) {
    EXPECT_TRUE(t.admitted());
    t.Trust();
  }
  EXPECT_FALSE(gate.Admit("", nullptr, &refusal).admitted());
  EXPECT_EQ(refusal, Refusal::kHostFull);
}

TEST(ConnectionGate, WhenFullEvictsTheOldestUntrusted) {
  ConnectionGate gate({.max_connections = 3, .max_per_source = 3});
  Refusal refusal;
  std::vector<int> evicted;
  auto first = gate.Admit(
      "a", [&] { evicted.push_back(1); }, &refusal);
  auto second = gate.Admit(
      "b", [&] { evicted.push_back(2); }, &refusal);
  auto third = gate.Admit(
      "c", [&] { evicted.push_back(3); }, &refusal);
  first.Trust();  // proved itself: never evicted
  auto fourth = gate.Admit(
      "d", [&] { evicted.push_back(4); }, &refusal);
  ASSERT_TRUE(fourth.admitted());
  EXPECT_EQ(evicted, std::vector<int>{2});
  EXPECT_EQ(gate.active(), 3u);
  EXPECT_EQ(gate.active_from("b"), 0u);
  second = ConnectionGate::Ticket();  // the evicted one's release changes nothing
  EXPECT_EQ(gate.active(), 3u);
  // A keep-alive connection waiting again is evictable, after those older than it.
  first.Distrust();
  auto fifth = gate.Admit(
      "e", [&] { evicted.push_back(5); }, &refusal);
  ASSERT_TRUE(fifth.admitted());
  EXPECT_EQ(evicted, (std::vector<int>{2, 3}));
  EXPECT_EQ(gate.evicted(), 2u);
}

}  // namespace
}  // namespace vigil
