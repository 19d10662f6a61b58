// Untrusted text made safe to print on a terminal: what a terminal would interpret
// (control characters, escape sequences, C1 controls, invalid UTF-8) is shown as \xNN, so
// a hostile name, command line or log line cannot forge output lines or hide the rest.
#pragma once

#include <string>
#include <string_view>

namespace vigil {

// Returns `text` with every byte below 0x20, 0x7f, the C1 controls U+0080..U+009F and
// every byte of invalid UTF-8 written as \xNN, and a backslash as \\ (so the result is
// unambiguous). Printable ASCII and valid UTF-8 otherwise pass unchanged.
std::string Printable(std::string_view text);

// The same, line by line: newlines are kept, everything else is escaped as above. For
// messages that quote several lines of untrusted text (a console's last lines).
std::string PrintableLines(std::string_view text);

}  // namespace vigil
