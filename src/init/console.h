// The serial console of vigil-init: where its messages and the exit status line go.
#pragma once

#include <string_view>

#include "base/result.h"

namespace vigil::init {

// Makes /dev/console the controlling terminal of a new session and fds 0, 1 and 2.
Status OpenConsole();

// Writes `text` as is to the console (fd 2, or /dev/console opened on demand when fd 2 is
// unusable, as in a failure before OpenConsole).
void WriteConsole(std::string_view text);

// Writes "vigil-init: <message>\n".
void Say(std::string_view message);

}  // namespace vigil::init
