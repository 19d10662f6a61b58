#include "cli/ledger_fetch.h"

#include <chrono>
#include <optional>

#include "http/client.h"
#include "tlog/witness_policy.h"

namespace vigil::cli {
namespace {

constexpr std::size_t kMaxResponseSize = 17u << 20;  // a full entry bundle fits

}  // namespace

CLI::Option* AddLedgerOptions(CLI::App& command, LedgerOptions& ledger) {
  CLI::Option* url =
      command.add_option("--ledger", ledger.url, "The ledger's HTTP address, http://HOST:PORT");
  command
      .add_option("--timeout", ledger.timeout,
                  "Seconds each fetch from the ledger may take in all (default 60)")
      ->check(CLI::Range(0.1, 3600.0));
  command.add_option("--witness-policy", ledger.witness_policy,
                     "Require the ledger's checkpoints to meet this C2SP tlog-policy file "
                     "(witnesses' cosignatures)");
  return url;
}

Result<tlog::TileFetcher> LedgerFetcher(const LedgerOptions& ledger) {
  auto parsed = http::ParseUrl(ledger.url);
  if (!parsed.ok()) return parsed.error().WithContext("--ledger");
  http::ClientLimits limits;
  limits.max_body = kMaxResponseSize;
  limits.deadline = std::chrono::milliseconds(static_cast<std::int64_t>(ledger.timeout * 1000));
  std::optional<tlog::WitnessPolicy> policy;
  if (!ledger.witness_policy.empty()) {
    auto read = tlog::ReadWitnessPolicy(ledger.witness_policy);
    if (!read.ok()) return read.error().WithContext("--witness-policy");
    policy = std::move(read).value();
  }
  return tlog::TileFetcher(
      [base = std::move(parsed).value(), limits, policy](const std::string& path) -> Result<Bytes> {
        auto response = http::Get(base, "/" + path, limits);
        if (!response.ok()) {
          if (response.error().code() == ErrorCode::kMissingEnv) {
            return response.error().WithContext("cannot reach the ledger");
          }
          return response.error().WithContext("the ledger broke HTTP");
        }
        if (response->status != 200) {
          return Error::Failed(base.ToString() + "/" + path + ": HTTP " +
                               std::to_string(response->status));
        }
        if (policy && path == "checkpoint") {
          Status witnessed = tlog::CheckWitnessPolicy(*policy, AsText(response->body));
          if (!witnessed.ok()) return witnessed.error().WithContext("the ledger's checkpoint");
        }
        return std::move(response->body);
      });
}

}  // namespace vigil::cli
