#include "pg/test_cluster.h"

#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>
#include <vector>

#include "base/subprocess.h"

namespace vigil::pg {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";
// The socket lives in the cluster's own directory, so the port only names the socket file
// (.s.PGSQL.5432) and cannot collide with another server's.
constexpr int kPort = 5432;
constexpr auto kTimeout = std::chrono::seconds(60);

// initdb and postgres refuse to run as root: as root, run them as `postgres`.
std::vector<std::string> AsServerUser(std::vector<std::string> argv) {
  if (::geteuid() != 0) {
    return argv;
  }
  std::vector<std::string> wrapped = {"runuser", "-u", "postgres", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

Status RunTool(std::vector<std::string> argv, const std::string& what) {
  VIGIL_ASSIGN_OR_RETURN(RunOutput out,
                         Run(Command{.argv = std::move(argv), .capture_stderr = true}, kTimeout));
  if (!out.exit.ok()) {
    return Error::Failed(what + " failed (exit " + std::to_string(out.exit.code) +
                         "): " + out.output);
  }
  return OkStatus();
}

Result<fs::path> MakeClusterDir() {
  std::string pattern = (fs::temp_directory_path() / "vigil-pg.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Error::Failed("cannot create a directory for the test cluster: " +
                         std::string(std::strerror(errno)));
  }
  const fs::path dir = pattern;
  std::error_code ec;
  fs::permissions(dir, fs::perms(0755), ec);
  if (::geteuid() == 0) {
    const passwd* user = ::getpwnam("postgres");
    if (user == nullptr || ::chown(dir.c_str(), user->pw_uid, user->pw_gid) != 0) {
      fs::remove_all(dir, ec);
      return Error::MissingEnv(
          "there is no `postgres` user to run the test cluster as (root may not run "
          "PostgreSQL): install PostgreSQL 15 with scripts/setup test");
    }
  }
  return dir;
}

}  // namespace

Result<std::unique_ptr<TestCluster>> TestCluster::Start() {
  std::error_code ec;
  if (!fs::exists(fs::path(kBinDir) / "postgres", ec)) {
    return Error::MissingEnv(std::string("PostgreSQL 15 is not installed (no ") + kBinDir +
                             "/postgres): run scripts/setup test");
  }
  const auto started = std::chrono::steady_clock::now();
  VIGIL_ASSIGN_OR_RETURN(fs::path dir, MakeClusterDir());
  std::unique_ptr<TestCluster> cluster(new TestCluster(dir));
  VIGIL_RETURN_IF_ERROR(cluster->Initdb());
  VIGIL_RETURN_IF_ERROR(cluster->StartServer());
  cluster->startup_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return cluster;
}

TestCluster::~TestCluster() {
  if (running_) {
    (void)StopServer("immediate");  // its data is deleted next
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

Status TestCluster::Initdb() {
  // --no-sync: initdb's own files are not what a test checks; the server runs with fsync.
  return RunTool(
      AsServerUser({std::string(kBinDir) + "/initdb", "-D", (dir_ / "data").string(), "-A", "trust",
                    "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"}),
      "initdb of the test cluster in " + dir_.string());
}

Status TestCluster::StartServer() {
  const std::string options = "-c listen_addresses='' -c unix_socket_directories=" + dir_.string() +
                              " -p " + std::to_string(kPort) +
                              " -c fsync=on -c synchronous_commit=on -c max_connections=40";
  VIGIL_RETURN_IF_ERROR(RunTool(
      AsServerUser({std::string(kBinDir) + "/pg_ctl", "-D", (dir_ / "data").string(), "-l",
                    (dir_ / "server.log").string(), "-w", "-t", "60", "-o", options, "start"}),
      "starting the test cluster in " + dir_.string() + " (see its server.log)"));
  running_ = true;
  return OkStatus();
}

Status TestCluster::StopServer(std::string_view mode) {
  running_ = false;
  return RunTool(AsServerUser({std::string(kBinDir) + "/pg_ctl", "-D", (dir_ / "data").string(),
                               "-m", std::string(mode), "-w", "-t", "60", "stop"}),
                 "stopping the test cluster in " + dir_.string());
}

Status TestCluster::CrashAndRestart() {
  VIGIL_RETURN_IF_ERROR(StopServer("immediate"));
  return StartServer();
}

std::string TestCluster::Url() const {
  return "postgresql:///postgres?host=" + dir_.string() + "&port=" + std::to_string(kPort) +
         "&user=postgres";
}

Result<std::string> TestCluster::CreateDatabase(std::string_view name) {
  if (name.empty() || name.size() > 63 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string_view::npos) {
    return Error::BadInput("a test database name is [a-z0-9_], 1 to 63 bytes");
  }
  const std::string schema(name);
  VIGIL_RETURN_IF_ERROR(
      RunTool({std::string(kBinDir) + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", Url(),
               "-c", "DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema},
              "creating the test schema " + schema));
  return Url() + "&options=-csearch_path%3D" + schema;
}

Result<TestCluster*> SharedTestCluster() {
  static std::mutex mutex;
  static std::unique_ptr<TestCluster> cluster;
  std::lock_guard lock(mutex);
  if (!cluster) {
    VIGIL_ASSIGN_OR_RETURN(cluster, TestCluster::Start());
  }
  return cluster.get();
}

}  // namespace vigil::pg
