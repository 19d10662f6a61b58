#include "base/line_splitter.h"

namespace vigil {

void LineSplitter::Append(std::string_view chunk) {
  buffer_.erase(0, begin_);
  begin_ = 0;
  buffer_.append(chunk);
}

std::optional<SplitLine> LineSplitter::Next() {
  while (begin_ < buffer_.size()) {
    const std::string_view rest = std::string_view(buffer_).substr(begin_);
    const std::size_t newline = rest.find('\n');
    if (skipping_) {
      if (newline == std::string_view::npos) {
        begin_ = buffer_.size();  // the tail of a cut line: nothing to keep
        return std::nullopt;
      }
      skipping_ = false;
      begin_ += newline + 1;
      continue;
    }
    if (newline != std::string_view::npos) {
      begin_ += newline + 1;
      return SplitLine{rest.substr(0, newline), false};
    }
    if (rest.size() <= max_line_) return std::nullopt;  // wait for the rest of the line
    // Too much without a newline: hand over what is here and drop the rest of the line.
    begin_ = buffer_.size();
    skipping_ = true;
    return SplitLine{rest, true};
  }
  return std::nullopt;
}

}  // namespace vigil
