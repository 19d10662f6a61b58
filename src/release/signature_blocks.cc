#include "release/signature_blocks.h"

namespace vigil::release {
namespace {

constexpr std::string_view kBegin = "-----BEGIN PGP SIGNATURE-----";
constexpr std::string_view kEnd = "-----END PGP SIGNATURE-----";

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

Result<std::vector<SignatureBlock>> SplitSignatureBlocks(std::string_view text,
                                                         std::size_t max_blocks) {
  std::vector<SignatureBlock> out;
  auto add = [&](SignatureBlock block) -> Status {
    if (out.size() == max_blocks) {
      return Error::BadInput("more than " + std::to_string(max_blocks) + " signatures");
    }
    out.push_back(std::move(block));
    return OkStatus();
  };
  while (!IsBlank(text)) {
    const std::size_t begin = text.find(kBegin);
    if (!IsBlank(text.substr(0, begin))) {
      VIGIL_RETURN_IF_ERROR(add({"", "malformed: text outside a signature block"}));
    }
    if (begin == std::string_view::npos) break;
    const std::size_t end = text.find(kEnd, begin + kBegin.size());
    if (end == std::string_view::npos) {
      VIGIL_RETURN_IF_ERROR(add({"", "malformed: a signature block without its END line"}));
      break;
    }
    const std::size_t stop = end + kEnd.size();
    VIGIL_RETURN_IF_ERROR(add({std::string(text.substr(begin, stop - begin)) + "\n", ""}));
    text.remove_prefix(stop);
  }
  return out;
}

}  // namespace vigil::release
