// How long a call may take and how large its frames may be, on either side of it.
#pragma once

#include <chrono>
#include <cstddef>

#include "rpc/frame.h"

namespace vigil::rpc {

struct CallLimits {
  // TCP connect, TLS handshake and the request/accept exchange must fit in this.
  std::chrono::milliseconds connect_timeout{10'000};
  // The call ends when no frame went either way for this long...
  std::chrono::milliseconds idle_timeout{60'000};
  // ...and at the latest this long after it was accepted.
  std::chrono::milliseconds total_timeout{3'600'000};
  // Payload bytes we accept in one frame: kMinMaxFrame to kMaxFrameLimit (CheckMaxFrame).
  std::size_t max_frame = kDefaultMaxFrame;
};

}  // namespace vigil::rpc
