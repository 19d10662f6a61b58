#include "image/swtpm.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "base/file.h"
#include "base/subprocess.h"

namespace vigil::image {
namespace {

namespace fs = std::filesystem;

constexpr char kRootCertificate[] = "swtpm-localca-rootca-cert.pem";

Status WriteConfig(const fs::path& file, const std::string& text) {
  return WriteFileAtomic(file, AsBytes(text), 0600);
}

// swtpm_setup's and swtpm_localca's configuration, all of it under `work`: the EK and
// platform certificates are issued by the CA in `ca`, and only the SHA-256 bank is active.
Status WritePrivateConfig(const fs::path& work, const fs::path& ca) {
  const fs::path conf = work / "conf";
  std::error_code ec;
  fs::create_directories(conf, ec);
  fs::create_directories(ca, ec);
  if (ec) return Error::Failed("cannot create " + conf.string() + ": " + ec.message());
  VIGIL_RETURN_IF_ERROR(WriteConfig(conf / "swtpm-localca.conf",
                                    "statedir = " + ca.string() +
                                        "\nsigningkey = " + (ca / "signkey.pem").string() +
                                        "\nissuercert = " + (ca / "issuercert.pem").string() +
                                        "\ncertserial = " + (ca / "certserial").string() + "\n"));
  VIGIL_RETURN_IF_ERROR(WriteConfig(
      conf / "swtpm-localca.options",
      "--platform-manufacturer Vigil\n--platform-version 1.0\n--platform-model QEMU\n"));
  return WriteConfig(
      conf / "swtpm_setup.conf",
      "create_certs_tool = " + FindExecutable("swtpm_localca") +
          "\ncreate_certs_tool_config = " + (conf / "swtpm-localca.conf").string() +
          "\ncreate_certs_tool_options = " + (conf / "swtpm-localca.options").string() +
          "\nactive_pcr_banks = sha256\n");
}

std::string LogTail(const fs::path& log) {
  Result<Bytes> text = ReadFile(log, 1 << 20);
  if (!text.ok()) return "";
  std::string tail(AsText(*text));
  return tail.size() > 2000 ? tail.substr(tail.size() - 2000) : tail;
}

}  // namespace

Result<std::unique_ptr<Swtpm>> Swtpm::Start(const SwtpmOptions& options) {
  for (const char* tool : {"swtpm", "swtpm_setup", "swtpm_localca"}) {
    if (FindExecutable(tool).empty()) {
      return Error::MissingEnv(std::string(tool) +
                               " is not installed (Debian: swtpm and swtpm-tools); scripts/setup "
                               "installs it");
    }
  }
  std::unique_ptr<Swtpm> tpm(new Swtpm(options));
  const fs::path& work = options.work_dir;
  VIGIL_RETURN_IF_ERROR(WritePrivateConfig(work, options.ca_dir));
  std::error_code ec;
  fs::create_directories(work / "state", ec);
  fs::create_directories(work / "tmp", ec);
  if (ec) return Error::Failed("cannot create " + work.string() + ": " + ec.message());
  // A fresh TPM: endorsement key, its certificate from the test CA, platform certificate.
  Command setup{.argv = {"swtpm_setup", "--tpm2", "--tpmstate", (work / "state").string(),
                         "--create-ek-cert", "--create-platform-cert", "--overwrite", "--config",
                         (work / "conf" / "swtpm_setup.conf").string(), "--logfile",
                         (work / "swtpm_setup.log").string()},
                .env = std::map<std::string, std::string>{{"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"},
                                                          {"HOME", work.string()},
                                                          {"TMPDIR", (work / "tmp").string()}},
                .capture_stderr = true};
  VIGIL_ASSIGN_OR_RETURN(RunOutput made, Run(setup, std::chrono::minutes(2)));
  if (!made.exit.ok()) {
    return Error::Failed("swtpm_setup could not manufacture the TPM:\n" + made.output +
                         LogTail(work / "swtpm_setup.log"));
  }
  Command serve{.argv = {"swtpm", "socket", "--tpm2", "--tpmstate",
                         "dir=" + (work / "state").string(), "--ctrl",
                         "type=unixio,path=" + tpm->socket_path().string(), "--log",
                         "level=1,file=" + (work / "swtpm.log").string()}};
  if (options.serve_commands) {
    serve.argv.insert(serve.argv.end(),
                      {"--server", "type=unixio,path=" + tpm->command_socket().string(), "--flags",
                       "not-need-init,startup-clear"});
  }
  VIGIL_ASSIGN_OR_RETURN(tpm->pid_, StartDetached(serve, work / "swtpm.out"));
  const fs::path ready = options.serve_commands ? tpm->command_socket() : tpm->socket_path();
  for (int i = 0; i < 100; ++i) {
    struct stat st {};
    if (::stat(ready.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return tpm;
    int status = 0;
    if (::waitpid(tpm->pid_, &status, WNOHANG) == tpm->pid_) {
      tpm->pid_ = -1;
      return Error::Failed("swtpm ended at start:\n" + LogTail(work / "swtpm.out") +
                           LogTail(work / "swtpm.log"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Error::Failed("swtpm did not open its socket within 5 s");
}

Swtpm::~Swtpm() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::vector<std::string> Swtpm::QemuArgs() const {
  return {"-chardev", "socket,id=vigiltpm,path=" + socket_path().string(),
          "-tpmdev",  "emulator,id=vigiltpm0,chardev=vigiltpm",
          "-device",  "tpm-tis,tpmdev=vigiltpm0"};
}

std::filesystem::path Swtpm::root_certificate() const { return options_.ca_dir / kRootCertificate; }

}  // namespace vigil::image
