#include "tlog/trusted_log.h"

#include "base/file.h"

namespace vigil::tlog {
namespace {

constexpr std::uint64_t kMaxTrustedFileSize = 64 * 1024;

}  // namespace

Result<TrustedLog> ParseTrustedLog(std::string_view text, const std::string& name) {
  const std::size_t newline = text.find('\n');
  const std::string vkey(text.substr(0, newline));
  if (vkey.starts_with("PRIVATE+KEY+")) {
    return Error::BadInput(name +
                           " holds a private key: --trusted wants the ledger's public verifier "
                           "key (its log.vkey, printed by `vigil log vkey DIR`) on its first "
                           "line; keep the private key secret");
  }
  if (vkey.empty()) {
    return Error::BadInput(name + ": the first line must be the ledger's verifier key " +
                           "(`vigil log vkey DIR` prints it)");
  }
  auto verifier = NoteVerifier::Parse(vkey);
  if (!verifier.ok()) return verifier.error().WithContext(name);
  TrustedLog trusted{vkey, std::move(verifier).value(), std::nullopt};
  const std::string_view note =
      newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
  if (!note.empty()) {
    auto opened = OpenCheckpoint(note, trusted.verifier, trusted.verifier.name());
    if (!opened.ok()) return opened.error().WithContext(name);
    trusted.checkpoint = std::move(opened).value();
  }
  return trusted;
}

std::string FormatTrustedLog(const TrustedLog& trusted, std::string_view note) {
  return trusted.vkey + "\n" + std::string(note);
}

Result<TrustedLog> ReadTrustedLog(const std::filesystem::path& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, kMaxTrustedFileSize));
  return ParseTrustedLog(AsText(bytes), path.string());
}

Result<NoteVerifier> ReadVerifierKey(const std::string& file_or_text) {
  std::string vkey = file_or_text;
  std::error_code ec;
  if (file_or_text.find('+') == std::string::npos || std::filesystem::exists(file_or_text, ec)) {
    VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(file_or_text, kMaxTrustedFileSize));
    vkey = std::string(AsText(bytes));
    vkey = vkey.substr(0, vkey.find('\n'));
  }
  return NoteVerifier::Parse(vkey);
}

Result<Receipt> ReadReceiptFile(const std::filesystem::path& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, 1 << 20));
  auto receipt = ParseReceipt(AsText(bytes));
  if (!receipt.ok()) return receipt.error().WithContext(path.string());
  return receipt;
}

}  // namespace vigil::tlog
