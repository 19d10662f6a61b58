// What the ledger benchmarks append: an entry the size of a typical build-log record, the
// same in the file-backed and the PostgreSQL-backed benchmark so their rates compare.
#pragma once

#include <string>

#include "base/bytes.h"

namespace vigil::bench {

inline Bytes SampleEntry(int appender, int i) {
  std::string text = "{\"artifacts\":[{\"name\":\"hello.eif\",\"sha256\":\"" +
                     std::string(64, 'a') + "\"}],\"build_id\":\"bench-" +
                     std::to_string(appender) + "-" + std::to_string(i) +
                     "\",\"builder\":{\"name\":\"builder\",\"tags\":[\"build\"]},"
                     "\"lines\":1234,\"status\":\"closed\",\"type\":\"build-log\"}";
  return Bytes(text.begin(), text.end());
}

}  // namespace vigil::bench
