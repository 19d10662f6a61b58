// Splits a byte stream that arrives in chunks into '\n'-terminated lines, for the line
// protocols between services, buffering at most a bound plus one chunk: a peer cannot make
// us keep more, however long it goes without a newline.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

struct SplitLine {
  std::string_view text;  // without its '\n'
  bool cut = false;       // the line outgrew the bound: `text` is its beginning
};

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line) : max_line_(max_line) {}

  // Adds the next bytes of the stream. Lines returned by Next() before are released.
  void Append(std::string_view chunk);

  // The next complete line, or nullopt when none is buffered. A line is returned whole
  // when its newline is here; once more than max_line bytes of one line are buffered
  // without it, they are returned as a cut line (so its length depends on the chunks) and
  // the rest of the line, up to and including its newline, is dropped. The view is valid
  // until the next Append.
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
