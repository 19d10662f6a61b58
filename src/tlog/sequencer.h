// Group commit: many callers append entries concurrently; one thread writes whatever has
// queued up as one batch (one set of fsyncs, one signed checkpoint) and then answers every
// caller of that batch. Throughput grows with load while each caller still gets an index
// only once its entry is durable and covered by a checkpoint.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "base/bytes.h"
#include "base/result.h"
#include "tlog/store.h"

namespace vigil::tlog {

struct SequencerOptions {
  // The most entries written as one batch.
  std::size_t max_batch = 16384;
  // The most entry bytes written as one batch (at least one entry is): a batch is one
  // transaction in PostgreSQL, whose parameters are bounded (1 GB each).
  std::size_t max_batch_bytes = 64u << 20;
  // The most bytes queued and not yet written: beyond it Add() refuses (back pressure).
  std::size_t max_pending_bytes = 256u << 20;
  // How often an idle log offers an uncosigned checkpoint to its witnesses again.
  std::chrono::milliseconds witness_retry{2000};
};

class Sequencer {
 public:
  // Called on the sequencer's thread with the entry's index, or the error of its batch.
  using Callback = std::function<void(Result<std::uint64_t>)>;

  explicit Sequencer(LogStore& store, SequencerOptions options = {});
  // Writes what is queued, then stops.
  ~Sequencer();
  Sequencer(const Sequencer&) = delete;
  Sequencer& operator=(const Sequencer&) = delete;

  // Queues `entry`; `done` runs once it is durable and checkpointed. Fails at once (and
  // never calls `done`) for an oversize entry, when overloaded or after Stop().
  Status Add(Bytes entry, Callback done);
  // Add() and wait.
  Result<std::uint64_t> Append(Bytes entry);
  // Writes what is queued and stops the thread; later Add() calls fail.
  void Stop();

 private:
  struct Pending {
    Bytes entry;
    Callback done;
  };
  void Run();

  LogStore& store_;
  const SequencerOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  std::size_t queued_bytes_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vigil::tlog
