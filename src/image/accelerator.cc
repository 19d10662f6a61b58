#include "image/accelerator.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace vigil::image {
namespace {

// A stderr line longer than this is judged on its first bytes only.
constexpr std::size_t kMaxLineBytes = 1024;

// What QEMU 7.2 prints when KVM cannot run or start a guest, lower-cased.
constexpr std::string_view kKvmFailureTexts[] = {
    "kvm internal error",           // kvm_handle_internal_error (then a register dump)
    "emulation failure",            // its suberror 1
    "kvm: entry failed",            // hardware error on VM entry
    "kvm run failed",               // KVM_RUN returned an error
    "failed to initialize kvm",     // -accel kvm could not start
    "could not access kvm kernel",  // /dev/kvm missing or not permitted
    "kvm_init_vcpu",                // vCPU creation failed
    "kvm is not supported",
    "kvm not supported",
    "failed to set msr",  // a nested KVM refusing the guest's MSRs (then an assertion)
};

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Result<Accelerator> ParseAccelerator(std::string_view word) {
  if (word == "auto") return Accelerator::kAuto;
  if (word == "kvm") return Accelerator::kKvm;
  if (word == "tcg") return Accelerator::kTcg;
  return Error::BadInput("unknown accelerator '" + std::string(word) +
                         "'; choose auto (KVM, falling back to TCG), kvm or tcg");
}

std::string_view AcceleratorName(Accelerator accelerator) {
  switch (accelerator) {
    case Accelerator::kAuto:
      return "auto";
    case Accelerator::kKvm:
      return "kvm";
    case Accelerator::kTcg:
      return "tcg";
  }
  return "auto";
}

Result<Accelerator> ChooseAccelerator(std::string_view flag) {
  if (!flag.empty()) return ParseAccelerator(flag);
  const char* env = std::getenv("VIGIL_ACCEL");
  if (env == nullptr || *env == '\0') return Accelerator::kAuto;
  auto parsed = ParseAccelerator(env);
  if (!parsed.ok()) return parsed.error().WithContext("VIGIL_ACCEL");
  return parsed;
}

std::optional<std::string> KvmUnavailableReason() {
  int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return std::string("cannot open /dev/kvm: ") + std::strerror(errno);
  ::close(fd);
  return std::nullopt;
}

std::optional<std::string> KvmFailureDetector::Feed(std::string_view chunk) {
  for (char c : chunk) {
    if (c == '\n') {
      std::string line = std::move(line_);
      line_.clear();
      if (first_line_.empty()) first_line_ = line;
      if (auto failure = CheckLine(line)) return failure;
    } else if (line_.size() < kMaxLineBytes) {
      line_.push_back(c);
    }
  }
  // QEMU may not end its last line before it stops: judge the unfinished one too.
  return line_.empty() ? std::nullopt : CheckLine(line_);
}

std::optional<std::string> KvmFailureDetector::CheckLine(const std::string& line) {
  std::string text = line;
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
  std::string lower = Lower(text);
  for (std::string_view pattern : kKvmFailureTexts) {
    if (lower.find(pattern) != std::string::npos) return text;
  }
  // Any other error of QEMU's KVM code ("../target/i386/kvm/kvm.c:3183: ... failed").
  bool names_kvm = lower.find("kvm") != std::string::npos;
  bool is_error = lower.find("error") != std::string::npos ||
                  lower.find("fail") != std::string::npos ||
                  lower.find("assert") != std::string::npos;
  if (names_kvm && is_error) return text;
  return std::nullopt;
}

std::string KvmFailureDetector::first_line() const {
  std::string line = first_line_.empty() ? line_ : first_line_;
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

}  // namespace vigil::image
