#include "crypto/secret_input.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>
#include <thread>

#include "base/file.h"

namespace vigil::crypto {
namespace {

// Writes `text` into a pipe from another thread and reads it back through ReadSecretFromFd.
Result<SecretBytes> ThroughPipe(const std::string& text, std::uint64_t max_size) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  std::thread writer([&text, fd = fds[1]] {
    std::size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n <= 0) break;  // the reader stopped early
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  auto read = ReadSecretFromFd(fds[0], max_size, "standard input");
  ::close(fds[0]);
  writer.join();
  return read;
}

TEST(SecretInput, ReadsADescriptorToItsEndAcrossManyChunks) {
  std::string text(300 * 1024 + 7, '\0');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(i * 31);
  auto read = ThroughPipe(text, 1 << 20);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(std::string(AsText(read->view())), text);
  auto empty = ThroughPipe("", 1 << 20);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(SecretInput, RefusesMoreThanTheLimitNamingTheInput) {
  auto read = ThroughPipe(std::string((2 << 20) + 1, 'x'), 2 << 20);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code(), ErrorCode::kBadInput);
  EXPECT_EQ(read.error().message(), "standard input is larger than 2 MiB");
}

TEST(SecretInput, ReadsAFileWithinItsLimit) {
  auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-secret-input-");
  ASSERT_TRUE(dir.ok());
  const auto path = dir->path() / "message";
  ASSERT_TRUE(WriteFileAtomic(path, AsBytes(std::string_view("hello"))).ok());
  auto read = ReadSecretFile(path, 5);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(std::string(AsText(read->view())), "hello");
  EXPECT_FALSE(ReadSecretFile(path, 4).ok());
  EXPECT_FALSE(ReadSecretFile(dir->path() / "absent", 5).ok());
}

}  // namespace
}  // namespace vigil::crypto
