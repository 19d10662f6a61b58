// Splits a byte stream that arrives in chunks into '\n'-terminated lines of bounded size,
// for the line protocols between services: a peer cannot make us buffer more than one
// line's bound plus one chunk, however long it goes without a newline.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

struct SplitLine {
  std::string_view text;  // without its '\n'
  bool cut = false;       // the line was longer than the bound: `text` is its beginning
};

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line) : max_line_(max_line) {}

  // Adds the next bytes of the stream. Lines returned by Next() before are released.
  void Append(std::string_view chunk);

  // The next complete line, or nullopt when none is buffered. A line longer than max_line
  // is returned cut to its first max_line bytes as soon as they are here; the rest of it,
  // up to and including its newline, is dropped. The view is valid until the next Append.
  std::optional<SplitLine> Next();

  // True when the stream stopped inside a line: bytes after the last newline wait for the
  // rest (the dropped tail of a cut line does not count).
  bool InsideLine() const { return !skipping_ && begin_ < buffer_.size(); }

  // The bytes after the last line returned, for a protocol that turns from lines to raw
  // bytes (empty while the rest of a cut line is dropped). Valid until the next Append.
  std::string_view Unread() const {
    return skipping_ ? std::string_view() : std::string_view(buffer_).substr(begin_);
  }

 private:
  std::size_t max_line_;
  std::string buffer_;
  std::size_t begin_ = 0;  // the first byte not returned yet
  bool skipping_ = false;  // dropping the rest of a cut line
};

}  // namespace vigil
