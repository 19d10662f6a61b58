#include "tlog/sequencer.h"

#include <future>
#include <vector>

namespace vigil::tlog {

Sequencer::Sequencer(LogStore& store, SequencerOptions options)
    : store_(store), options_(options), thread_([this] { Run(); }) {}

Sequencer::~Sequencer() { Stop(); }

Status Sequencer::Add(Bytes entry, Callback done) {
  if (entry.size() > kMaxStoredEntrySize) {
    return Error::BadInput("an entry of " + std::to_string(entry.size()) +
                           " bytes is over the limit of " + std::to_string(kMaxStoredEntrySize));
  }
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return Error::Failed("the log is shutting down: try again when it is back");
    }
    if (queued_bytes_ + entry.size() > options_.max_pending_bytes) {
      return Error::Failed("the log is overloaded: retry later");
    }
    queued_bytes_ += entry.size();
    queue_.push_back({std::move(entry), std::move(done)});
  }
  wake_.notify_one();
  return OkStatus();
}

Result<std::uint64_t> Sequencer::Append(Bytes entry) {
  std::promise<Result<std::uint64_t>> promise;
  auto future = promise.get_future();
  VIGIL_RETURN_IF_ERROR(Add(std::move(entry), [&promise](Result<std::uint64_t> result) {
    promise.set_value(std::move(result));
  }));
  return future.get();
}

void Sequencer::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Sequencer::Run() {
  std::vector<Pending> batch;
  std::vector<Bytes> entries;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      const auto ready = [this] { return stopping_ || !queue_.empty(); };
      // A checkpoint the witnesses did not cosign is offered again while the log is idle.
      while (!ready() && !store_.Published()) {
        if (wake_.wait_for(lock, options_.witness_retry, ready)) break;
        lock.unlock();
        (void)store_.PublishWitnessed();
        lock.lock();
      }
      wake_.wait(lock, ready);
      if (queue_.empty()) {
        return;  // stopping, and everything queued was written
      }
      std::size_t batch_bytes = 0;
      while (!queue_.empty() && batch.size() < options_.max_batch &&
             (batch.empty() ||
              batch_bytes + queue_.front().entry.size() <= options_.max_batch_bytes)) {
        batch_bytes += queue_.front().entry.size();
        queued_bytes_ -= queue_.front().entry.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    entries.clear();
    for (Pending& pending : batch) {
      entries.push_back(std::move(pending.entry));
    }
    Result<std::uint64_t> first = store_.AppendBatch(entries);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (first.ok()) {
        batch[i].done(*first + i);
      } else {
        batch[i].done(first.error());
      }
    }
    batch.clear();
  }
}

}  // namespace vigil::tlog
