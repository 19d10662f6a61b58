#include "base/connection_gate.h"

#include <utility>

namespace vigil {

ConnectionGate::Ticket::Ticket(Ticket&& other) noexcept
    : gate_(std::exchange(other.gate_, nullptr)), id_(other.id_) {}

ConnectionGate::Ticket& ConnectionGate::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    Release();
    gate_ = std::exchange(other.gate_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

ConnectionGate::Ticket::~Ticket() { Release(); }

void ConnectionGate::Ticket::Release() {
  if (gate_ != nullptr) gate_->Remove(id_);
  gate_ = nullptr;
}

void ConnectionGate::Ticket::Trust() {
  if (gate_ != nullptr) gate_->SetTrusted(id_, true);
}

void ConnectionGate::Ticket::Distrust() {
  if (gate_ != nullptr) gate_->SetTrusted(id_, false);
}

ConnectionGate::Ticket ConnectionGate::Admit(const std::string& source, std::function<void()> evict,
                                             Refusal* refusal) {
  *refusal = Refusal::kNone;
  if (!source.empty() && active_from(source) >= limits_.max_per_source) {
    *refusal = Refusal::kSourceFull;
    return Ticket();
  }
  if (entries_.size() >= limits_.max_connections) {
    if (untrusted_.empty()) {
      *refusal = Refusal::kHostFull;
      return Ticket();
    }
    const std::uint64_t oldest = untrusted_.front();
    std::function<void()> close = std::move(entries_.at(oldest).evict);
    Remove(oldest);  // its place is free now; its ticket's release later does nothing
    ++evicted_;
    if (close) close();
  }
  const std::uint64_t id = next_id_++;
  untrusted_.push_back(id);
  Entry entry{source, std::move(evict), false, std::prev(untrusted_.end())};
  entries_.emplace(id, std::move(entry));
  if (!source.empty()) ++per_source_[source];
  return Ticket(this, id);
}

std::size_t ConnectionGate::active_from(const std::string& source) const {
  auto found = per_source_.find(source);
  return found == per_source_.end() ? 0 : found->second;
}

void ConnectionGate::Remove(std::uint64_t id) {
  auto found = entries_.find(id);
  if (found == entries_.end()) return;  // evicted already
  Entry& entry = found->second;
  if (!entry.trusted) untrusted_.erase(entry.in_untrusted);
  if (!entry.source.empty()) {
    auto count = per_source_.find(entry.source);
    if (--count->second == 0) per_source_.erase(count);
  }
  entries_.erase(found);
}

void ConnectionGate::SetTrusted(std::uint64_t id, bool trusted) {
  auto found = entries_.find(id);
  if (found == entries_.end() || found->second.trusted == trusted) return;
  Entry& entry = found->second;
  entry.trusted = trusted;
  if (trusted) {
    untrusted_.erase(entry.in_untrusted);
  } else {
    untrusted_.push_back(id);
    entry.in_untrusted = std::prev(untrusted_.end());
  }
}

}  // namespace vigil
