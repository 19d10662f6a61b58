// The ledger's public, read-only HTTP API (served by http::Server, which bounds
// connections, heads and time; see docs/SPEC-ledger.md "HTTP limits"):
//   GET /checkpoint                 the latest signed checkpoint (C2SP tlog-checkpoint)
//   GET /tile/<L>/<N>[.p/<W>]       hash tiles and                    (C2SP tlog-tiles)
//   GET /tile/entries/<N>[.p/<W>]   entry bundles
//   GET /builds                     JSON list of builds, newest first (logged and running)
//   GET /builds/<ID>/log            a build's full log text
//   GET /builds/<ID>/live           server-sent events: the log's lines as they arrive
//   GET /                           a web page listing builds that follows a live log
//   GET /healthz                    "ok"; 503 on a standby (it serves reads, not calls)
// Anything else is 404; malformed paths are 400; tiles beyond the tree are 404.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "ledger/build_logs.h"
#include "tlog/store.h"

namespace vigil::http {
class Server;
struct Response;
}  // namespace vigil::http

namespace vigil::ledger {

class HttpApi {
 public:
  HttpApi(tlog::LogStore& store, BuildLogs& logs);
  ~HttpApi();  // stops the server
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // A standby ledger's API (ledgers sharing a log in PostgreSQL): `follow` is called before
  // every read, to catch up with the sequencer (tlog::LogStore::Refresh), and /healthz
  // answers 503, so that a health-checked proxy sends readers and calls to the sequencer.
  // Before Start().
  void ServeAsStandby(std::function<void()> follow);

  // Binds HOST:PORT (PORT 0: any free port) and serves on a background thread.
  // Returns the bound port.
  Result<int> Start(const std::string& host, int port);
  void Stop();

 private:
  // The route table: one handler per route.
  void Routes();
  void Follow();
  void ServeCheckpoint(http::Response& res);
  void ServeTile(const std::string& request_path, http::Response& res);
  void ListBuilds(http::Response& res);
  // /builds/<ID>/...: the log, the live log or the signatures.
  void ServeBuild(const std::string& request_path, http::Response& res);
  void ListSignatures(const std::string& id, http::Response& res);
  void ServeLog(const std::string& id, http::Response& res);
  void FollowLog(const std::string& id, http::Response& res);
  tlog::LogStore& store_;
  BuildLogs& logs_;
  std::unique_ptr<http::Server> server_;
  std::shared_ptr<std::atomic<int>> followers_;  // live followers of this server, at once
  std::function<void()> follow_;                 // a standby's: catch up before a read
};

}  // namespace vigil::ledger
