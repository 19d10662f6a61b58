#include "attestation/tpm_event_log.h"

#include <gtest/gtest.h>

#include <cstring>

#include "attestation/tpm_event_log_builder.h"

namespace vigil::attestation {
namespace {

using testing::AppendEvent;

Bytes Header(bool with_sha256 = true) { return testing::EventLogHeader(with_sha256); }

void Event(Bytes& log, std::uint32_t pcr, std::uint32_t type, std::uint8_t fill,
           const Bytes& data) {
  AppendEvent(log, pcr, type, fill, data);
}

crypto::Sha256Digest Extend(crypto::Sha256Digest pcr, std::uint8_t fill) {
  Bytes joined(pcr.begin(), pcr.end());
  joined.insert(joined.end(), 32, fill);
  return crypto::Sha256(joined);
}

TEST(TpmEventLogTest, ParsesAndReplaysTheSha256Bank) {
  Bytes log = Header();
  Event(log, 4, kEvEfiBootServicesApplication, 0xaa, Bytes(40, 1));
  Event(log, 4, kEvEfiAction, 0xbb, Bytes{'x'});
  Event(log, 9, kEvNoAction, 0xcc, Bytes{});  // extends nothing
  Event(log, 9, kEvEventTag, 0xdd, Bytes{});
  const auto parsed = ParseTpmEventLog(log);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  ASSERT_EQ(parsed->events.size(), 4u);
  EXPECT_EQ(parsed->events[0].data, Bytes(40, 1));
  const TpmPcrValues pcrs = ReplayTpmEventLog(*parsed);
  EXPECT_EQ(pcrs[4], Extend(Extend({}, 0xaa), 0xbb));
  EXPECT_EQ(pcrs[9], Extend({}, 0xdd));
  EXPECT_EQ(pcrs[0], crypto::Sha256Digest{});
  EXPECT_EQ(TpmEventTypeName(kEvEfiAction), "EV_EFI_ACTION");
  EXPECT_EQ(TpmEventTypeName(0x1234), "0x1234");
}

TEST(TpmEventLogTest, StartupLocalitySetsPcr0sStart) {
  Bytes log = Header();
  Bytes locality(16);
  std::memcpy(locality.data(), "StartupLocality", 16);
  locality.push_back(3);
  Event(log, 0, kEvNoAction, 0, locality);
  Event(log, 0, kEvPostCode, 0x11, Bytes{});
  crypto::Sha256Digest start{};
  start.back() = 3;
  EXPECT_EQ(ReplayTpmEventLog(*ParseTpmEventLog(log))[0], Extend(start, 0x11));
}

TEST(TpmEventLogTest, RefusesWhatIsNotAStrictCryptoAgileLog) {
  auto message = [](const Bytes& log) {
    auto parsed = ParseTpmEventLog(log);
    return parsed.ok() ? std::string("accepted") : parsed.error().message();
  };
  EXPECT_NE(message(Bytes(10, 0)).find("header"), std::string::npos);
  EXPECT_NE(message(Header(false)).find("no SHA-256 bank"), std::string::npos);
  Bytes not_agile = Header();
  not_agile[32] = 'X';
  EXPECT_NE(message(not_agile).find("Spec ID Event03"), std::string::npos);
  Bytes log = Header();
  Event(log, 24, kEvEventTag, 1, Bytes{});
  EXPECT_NE(message(log).find("PCR 24"), std::string::npos);
  log = Header();
  Event(log, 9, kEvEventTag, 1, Bytes(8, 1));
  log.pop_back();
  EXPECT_NE(message(log).find("cut short"), std::string::npos);
  log = Header();
  Event(log, 9, kEvEventTag, 1, Bytes{});
  log[Header().size() + 8] = 3;  // three digests, two banks
  EXPECT_NE(message(log).find("3 digests"), std::string::npos);
  EXPECT_NE(message(Bytes(kMaxEventLogBytes + 1, 0)).find("over"), std::string::npos);
}

}  // namespace
}  // namespace vigil::attestation
