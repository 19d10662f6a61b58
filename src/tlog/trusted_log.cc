#include "tlog/trusted_log.h"

namespace vigil::tlog {

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

}  // namespace vigil::tlog
