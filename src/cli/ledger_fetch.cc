#include "cli/ledger_fetch.h"

#include "http/client.h"

namespace vigil::cli {
namespace {

constexpr std::size_t kMaxResponseSize = 17u << 20;  // a full entry bundle fits

}  // namespace

Result<tlog::TileFetcher> LedgerFetcher(const std::string& url, std::chrono::milliseconds timeout) {
  auto parsed = http::ParseUrl(url);
  if (!parsed.ok()) return parsed.error().WithContext("--ledger");
  http::ClientLimits limits;
  limits.max_body = kMaxResponseSize;
  limits.deadline = timeout;
  return tlog::TileFetcher(
      [base = std::move(parsed).value(), limits](const std::string& path) -> Result<Bytes> {
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
        return std::move(response->body);
      });
}

}  // namespace vigil::cli
