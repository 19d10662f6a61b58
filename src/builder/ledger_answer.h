// The ledger's answer to a closed vigil.BuildLog stream (docs/SPEC-ledger.md): any `ack N`
// lines, then a line `receipt` followed by the tlog-proof of the build-log entry.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::builder {

// Returns the text after the first "receipt\n", which must start a line (the receipt, for
// tlog::ParseReceipt). Error::Failed when the answer has no such line.
Result<std::string> ReceiptOfAnswer(std::string_view answer);

}  // namespace vigil::builder
