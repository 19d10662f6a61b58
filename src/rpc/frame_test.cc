#include "rpc/frame.h"

#include <gtest/gtest.h>

#include <vector>

#include "rpc/address.h"
#include "rpc/call_request.h"

namespace vigil::rpc {
namespace {

TEST(Frame, HeaderRoundTrips) {
  auto bytes = EncodeFrameHeader(FrameType::kData, 0x01020304);
  EXPECT_EQ(bytes[0], 3);
  EXPECT_EQ(bytes[1], 1);
  EXPECT_EQ(bytes[4], 4);
  CallError why = CallError::kDenied;
  auto header = DecodeFrameHeader(bytes.data(), 0x01020304, &why);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->type, FrameType::kData);
  EXPECT_EQ(header->length, 0x01020304u);
}

TEST(Frame, RejectsUnknownTypesAndOversizeLengths) {
  CallError why = CallError::kDenied;
  std::uint8_t unknown[5] = {0, 0, 0, 0, 0};
  EXPECT_FALSE(DecodeFrameHeader(unknown, 10, &why).ok());
  EXPECT_EQ(why, CallError::kMalformed);
  unknown[0] = 7;
  EXPECT_FALSE(DecodeFrameHeader(unknown, 10, &why).ok());
  auto big = EncodeFrameHeader(FrameType::kData, 11);
  auto error = DecodeFrameHeader(big.data(), 10, &why);
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(why, CallError::kTooLarge);
  EXPECT_NE(error.error().message().find("above the maximum of 10"), std::string::npos);
}

TEST(Frame, CodeMessageIsStrict) {
  auto payload = EncodeCodeMessage(2, "bad\x1b[31m input");
  auto decoded = DecodeCodeMessage(payload);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->code, 2);
  EXPECT_EQ(decoded->message, "bad?[31m input");  // control characters never reach a terminal
  EXPECT_FALSE(DecodeCodeMessage("").ok());
  EXPECT_FALSE(DecodeCodeMessage(std::string("\x01\x07", 2)).ok());
  EXPECT_FALSE(
      DecodeCodeMessage(std::string(1, '\1') + std::string(kMaxMessageSize + 1, 'a')).ok());
}

TEST(Frame, EveryPeerAcceptsAtLeastTheProtocolMinimum) {
  EXPECT_TRUE(CheckMaxFrame(kMinMaxFrame).ok());
  EXPECT_TRUE(CheckMaxFrame(kMaxFrameLimit).ok());
  EXPECT_FALSE(CheckMaxFrame(0).ok());
  EXPECT_FALSE(CheckMaxFrame(64 * 1024).ok());  // would refuse `vigil call`'s frames
  EXPECT_FALSE(CheckMaxFrame(kMinMaxFrame - 1).ok());
  EXPECT_FALSE(CheckMaxFrame(kMaxFrameLimit + 1).ok());
  EXPECT_EQ(CheckMaxFrame(1000).error().code(), ErrorCode::kBadInput);
}

TEST(CallRequest, ParsesServiceAndArgument) {
  auto plain = ParseCallRequest("vigil.Ping");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->service, "vigil.Ping");
  EXPECT_EQ(plain->argument, "");
  auto with = ParseCallRequest("vigil.BuildLog+build-42:a/b+c");
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(with->service, "vigil.BuildLog");
  EXPECT_EQ(with->argument, "build-42:a/b+c");
  EXPECT_EQ(with->ToString(), "vigil.BuildLog+build-42:a/b+c");
  EXPECT_EQ(ParseCallRequest("vigil.Ping+")->argument, "");
}

TEST(CallRequest, PrintsTheEmptyArgumentAsTheBareService) {
  EXPECT_EQ(ParseCallRequest("vigil.Echo+")->ToString(), "vigil.Echo");
  EXPECT_EQ(ParseCallRequest("vigil.Echo")->ToString(), "vigil.Echo");
  // What ToString prints parses back to the same request, whatever the argument.
  for (const char* text : {"vigil.Echo", "vigil.Echo+x", "vigil.Echo++", "a+b+c"}) {
    auto request = ParseCallRequest(text);
    ASSERT_TRUE(request.ok()) << text;
    auto again = ParseCallRequest(request->ToString());
    ASSERT_TRUE(again.ok()) << request->ToString();
    EXPECT_EQ(again->service, request->service);
    EXPECT_EQ(again->argument, request->argument);
  }
}

TEST(CallRequest, RejectsGarbage) {
  for (const std::string& bad : std::vector<std::string>{
           "", "+arg", "a b", "svc+arg with space", "svc\n", "sv/c+x", std::string(65, 'a'),
           "s+" + std::string(256, 'a'), std::string("svc\0x", 5), "\xff\xfe"}) {
    EXPECT_FALSE(ParseCallRequest(bad).ok()) << bad;
  }
}

TEST(Address, ParsesUnixAndTcp) {
  auto unix_address = ParseAddress("unix:/run/vigil/ledger.sock");
  ASSERT_TRUE(unix_address.ok());
  EXPECT_EQ(unix_address->kind, Address::Kind::kUnix);
  EXPECT_EQ(unix_address->path, "/run/vigil/ledger.sock");
  EXPECT_EQ(ParseAddress("/tmp/x.sock")->path, "/tmp/x.sock");
  auto tcp = ParseAddress("tcp:127.0.0.1:7000");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->host, "127.0.0.1");
  EXPECT_EQ(tcp->port, 7000);
  auto v6 = ParseAddress("tcp:[::1]:443");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->ToString(), "tcp:[::1]:443");
}

TEST(Address, RejectsBadAddresses) {
  for (const std::string& bad : std::vector<std::string>{
           "", "unix:relative.sock", "unix:/" + std::string(200, 'a'), "tcp:host", "tcp::80",
           "tcp:host:99999", "tcp:host:8x", "tcp:::1:80", "http://x", "tcp:host:"}) {
    EXPECT_FALSE(ParseAddress(bad).ok()) << bad;
  }
}

TEST(Frame, SaysWhatIsWrongWithAMisplacedFrame) {
  EXPECT_NE(DescribeMisplacedFrame(FrameType::kData, 0).find("empty DATA"), std::string::npos);
  EXPECT_NE(DescribeMisplacedFrame(FrameType::kEof, 5).find("EOF frame with a 5-byte payload"),
            std::string::npos);
  EXPECT_NE(DescribeMisplacedFrame(FrameType::kRequest, 3).find("one call"), std::string::npos);
  EXPECT_NE(DescribeMisplacedFrame(FrameType::kExit, 1).find("only the service sends"),
            std::string::npos);
}

}  // namespace
}  // namespace vigil::rpc
