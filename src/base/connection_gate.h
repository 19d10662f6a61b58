// Admission control for a server's connections, shared by the service host and the HTTP
// API: a total limit, a limit per source (a TCP peer's IP address), and, when the server is
// full, room made by evicting the oldest connection that has not yet proved itself
// (finished its TLS handshake and request, or sent a complete HTTP request). An idle or slow
// flood therefore cannot shut out a legitimate client: the flood's connections are the ones
// evicted, and one address cannot hold more than its share. Spec: docs/THREAT-MODEL.md.
//
// Not thread-safe: each server uses its gate from the one thread that accepts and closes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <string>
#include <unordered_map>

namespace vigil {

struct GateLimits {
  std::size_t max_connections = 256;
  // Per TCP source address; Unix-socket peers (source "") count only toward the total.
  std::size_t max_per_source = 32;
};

class ConnectionGate {
 public:
  // One admitted connection; releases its place when destroyed.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept;
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket();

    // The connection proved itself: it is no longer evicted to make room.
    void Trust();
    // It is waiting for its next request (HTTP keep-alive): evictable again.
    void Distrust();
    bool admitted() const { return gate_ != nullptr; }

   private:
    friend class ConnectionGate;
    Ticket(ConnectionGate* gate, std::uint64_t id) : gate_(gate), id_(id) {}
    void Release();
    ConnectionGate* gate_ = nullptr;
    std::uint64_t id_ = 0;
  };

  enum class Refusal { kNone, kSourceFull, kHostFull };

  explicit ConnectionGate(GateLimits limits) : limits_(limits) {}
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  // Admits a connection from `source` ("" for a Unix-socket peer). `evict` is called (at
  // most once) if the gate later drops this connection to make room: it must close the
  // connection. When the host is full, the oldest untrusted connection is evicted first;
  // when every connection is trusted, the new one is refused. On refusal the ticket is not
  // admitted and *refusal says why.
  Ticket Admit(const std::string& source, std::function<void()> evict, Refusal* refusal);

  std::size_t active() const { return entries_.size(); }
  std::size_t active_from(const std::string& source) const;
  std::uint64_t evicted() const { return evicted_; }

 private:
  struct Entry {
    std::string source;
    std::function<void()> evict;
    bool trusted = false;
    std::list<std::uint64_t>::iterator in_untrusted;  // valid while !trusted
  };
  void Remove(std::uint64_t id);
  void SetTrusted(std::uint64_t id, bool trusted);

  GateLimits limits_;
  std::uint64_t next_id_ = 1;
  std::uint64_t evicted_ = 0;
  std::unordered_map<std::uint64_t, Entry> entries_;
  std::map<std::string, std::size_t> per_source_;
  std::list<std::uint64_t> untrusted_;  // oldest first
};

}  // namespace vigil
