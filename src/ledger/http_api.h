// The ledger's public, read-only HTTP API (cpp-httplib):
//   GET /checkpoint                 the latest signed checkpoint (C2SP tlog-checkpoint)
//   GET /tile/<L>/<N>[.p/<W>]       hash tiles and                    (C2SP tlog-tiles)
//   GET /tile/entries/<N>[.p/<W>]   entry bundles
//   GET /builds                     JSON list of builds, newest first (logged and running)
//   GET /builds/<ID>/log            a build's full log text
//   GET /builds/<ID>/live           server-sent events: the log's lines as they arrive
//   GET /                           a web page listing builds that follows a live log
//   GET /healthz                    "ok"
// Anything else is 404; malformed paths are 400; tiles beyond the tree are 404.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "base/result.h"
#include "ledger/build_logs.h"
#include "tlog/store.h"

namespace httplib {
class Server;
}

namespace vigil::ledger {

class HttpApi {
 public:
  HttpApi(tlog::LogStore& store, BuildLogs& logs);
  ~HttpApi();  // stops the server
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Binds HOST:PORT (PORT 0: any free port) and serves on a background thread.
  // Returns the bound port.
  Result<int> Start(const std::string& host, int port);
  void Stop();

 private:
  void Routes();
  tlog::LogStore& store_;
  BuildLogs& logs_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace vigil::ledger
