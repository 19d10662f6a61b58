// A private PostgreSQL 15 cluster for tests and benchmarks (library vigil_pg_test_cluster,
// never linked into a service): initdb in a fresh temporary directory, the server listening
// only on a Unix socket inside that directory (no TCP), fsync on, stopped and deleted when
// destroyed. initdb and postgres refuse to run as root, so as root they run as the
// `postgres` user (runuser) in a directory that user owns. Nothing depends on a
// system-wide server.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::pg {

class TestCluster {
 public:
  // initdb and start. MissingEnv when PostgreSQL 15 is not installed.
  static Result<std::unique_ptr<TestCluster>> Start();
  // Stops the server (fast shutdown) and deletes the directory.
  ~TestCluster();
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  // A fresh, empty place for one test's tables: schema `name` ([a-z0-9_], at most 63
  // bytes) of the cluster's database, and a URL whose sessions see only it (search_path).
  // A schema takes milliseconds where CREATE DATABASE takes a third of a second.
  Result<std::string> CreateDatabase(std::string_view name);
  // The URL of the cluster's database itself (postgresql:///postgres?host=DIR&port=...).
  std::string Url() const;
  // Stops the server as a crash would (immediate: no checkpoint, sessions cut) and starts
  // it again; what was committed must survive.
  Status CrashAndRestart();

  const std::filesystem::path& dir() const { return dir_; }
  // How long initdb and the first start took.
  std::chrono::milliseconds startup_time() const { return startup_time_; }

 private:
  explicit TestCluster(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Status Initdb();
  Status StartServer();
  Status StopServer(std::string_view mode);

  std::filesystem::path dir_;
  bool running_ = false;
  std::chrono::milliseconds startup_time_{0};
};

// One cluster per process (initdb once per test binary), started on first use and stopped
// at exit.
Result<TestCluster*> SharedTestCluster();

}  // namespace vigil::pg
