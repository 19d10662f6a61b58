#include "builder/ledger_answer.h"

namespace vigil::builder {

Result<std::string> ReceiptOfAnswer(std::string_view answer) {
  const std::size_t at = answer.find("receipt\n");
  if (at == std::string_view::npos || (at > 0 && answer[at - 1] != '\n')) {
    return Error::Failed("the ledger answered no receipt");
  }
  return std::string(answer.substr(at + 8));
}

}  // namespace vigil::builder
