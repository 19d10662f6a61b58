#include <iostream>

#include "base/base64.h"
#include "base/file.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "tlog/note.h"
#include "tlog/store.h"

namespace vigil::cli {
namespace {

struct LogArgs {
  std::string dir;
  std::string origin;
  std::vector<std::string> files;
  std::uint64_t index = 0;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  bool json = false;
};

Status Init(const LogArgs& args) {
  VIGIL_RETURN_IF_ERROR(tlog::LogStore::Init(args.dir, args.origin));
  VIGIL_ASSIGN_OR_RETURN(auto store, tlog::LogStore::Open(args.dir));
  if (args.json) {
    PrintJson({{"dir", args.dir}, {"origin", args.origin}, {"vkey", store->verifier_key()}});
  } else {
    std::cerr << "vigil: created the log " << args.origin << " in " << args.dir
              << "; its verifier key:\n";
    std::cout << store->verifier_key() << "\n";
  }
  return OkStatus();
}

Status Vkey(const LogArgs& args) {
  // A ledger host's key directory for a log in PostgreSQL has the keys and no tiles.
  const std::filesystem::path dir(args.dir);
  if (!std::filesystem::exists(dir / "tile") && std::filesystem::exists(dir / "log.vkey")) {
    VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(dir / "log.vkey", 4096));
    std::string vkey(AsText(text));
    while (!vkey.empty() && vkey.back() == '\n') vkey.pop_back();
    Status parsed = tlog::NoteVerifier::Parse(vkey).status();
    if (!parsed.ok()) return parsed.error().WithContext((dir / "log.vkey").string());
    std::cout << vkey << "\n";
    return OkStatus();
  }
  VIGIL_ASSIGN_OR_RETURN(auto store, tlog::LogStore::OpenReadOnly(args.dir));
  std::cout << store->verifier_key() << "\n";
  return OkStatus();
}

Status Add(const LogArgs& args) {
  // Read and check every file first: a bad one means nothing is appended.
  std::vector<Bytes> entries;
  for (const std::string& file : args.files) {
    auto bytes = ReadFile(file, tlog::kMaxStoredEntrySize);
    if (!bytes.ok())
      return bytes.error().WithContext(file + " (an entry holds at most 65535 bytes)");
    entries.push_back(std::move(bytes).value());
  }
  VIGIL_ASSIGN_OR_RETURN(auto store, tlog::LogStore::Open(args.dir));
  VIGIL_ASSIGN_OR_RETURN(std::uint64_t first, store->AppendBatch(entries));
  if (args.json) {
    Json out = Json::array();
    for (std::size_t i = 0; i < entries.size(); ++i) {
      out.push_back({{"file", args.files[i]}, {"index", first + i}});
    }
    PrintJson(out);
  } else {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      std::cout << first + i << "\n";
    }
  }
  return OkStatus();
}

Status PrintCheckpoint(const LogArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(auto store, tlog::LogStore::OpenReadOnly(args.dir));
  std::cout << store->checkpoint();
  return OkStatus();
}

Status Prove(const LogArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(auto store, tlog::LogStore::OpenReadOnly(args.dir));
  if (args.index >= store->size()) {
    return Error::BadInput("index " + std::to_string(args.index) + " is not in the log (size " +
                           std::to_string(store->size()) + ")");
  }
  VIGIL_ASSIGN_OR_RETURN(std::string receipt, store->Receipt(args.index));
  std::cout << receipt;
  return OkStatus();
}

Status Consistency(const LogArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(auto store, tlog::LogStore::OpenReadOnly(args.dir));
  if (args.from > args.to || args.to > store->size()) {
    return Error::BadInput("need --from <= --to <= the log size " + std::to_string(store->size()));
  }
  VIGIL_ASSIGN_OR_RETURN(auto proof, store->ConsistencyProof(args.from, args.to));
  for (const tlog::Hash& hash : proof) {
    std::cout << Base64Encode(hash) << "\n";
  }
  return OkStatus();
}

Status Fsck(const LogArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(auto store, tlog::LogStore::OpenReadOnly(args.dir));
  std::uint64_t shown = 0;
  auto progress = [&shown](std::uint64_t entries) {
    if (entries >= shown + (1u << 20)) {
      shown = entries;
      ShowProgress("checked " + std::to_string(entries) + " entries");
    }
  };
  VIGIL_ASSIGN_OR_RETURN(tlog::LogStore::FsckReport report, store->Fsck(progress));
  if (args.json) {
    PrintJson({{"dir", args.dir},
               {"origin", store->origin()},
               {"size", report.size},
               {"root", Base64Encode(report.root)},
               {"tiles", report.tiles},
               {"bundles", report.bundles}});
  } else {
    std::cout << "log " << store->origin() << " in " << args.dir << ": " << report.size
              << " entries in " << report.bundles << " bundles and " << report.tiles
              << " hash tiles verified against its checkpoint (root " << Base64Encode(report.root)
              << ")\n";
  }
  return OkStatus();
}

}  // namespace

void AddLogCommands(CLI::App& app, int* exit_code) {
  CLI::App* log = app.add_subcommand(
      "log", "Transparency logs: offline commands over a log directory, and verification");
  log->require_subcommand(1);

  auto [init, init_args] = AddCommand<LogArgs>(
      *log, "init", "Create a log: a new Ed25519 checkpoint key and an empty tree; prints the vkey",
      exit_code, Init);
  init->add_option("DIR", init_args->dir, "The new log directory")->required();
  init->add_option("--origin", init_args->origin, "The log's name, e.g. example.com/vigil")
      ->required();
  init->add_flag("--json", init_args->json, "Print the result as JSON");

  // The other commands work on an existing log directory.
  auto add_command = [log, exit_code](const std::string& name, const std::string& help,
                                      Status (*run)(const LogArgs&)) {
    auto command = AddCommand<LogArgs>(*log, name, help, exit_code, run);
    command.first->add_option("DIR", command.second->dir, "The log directory")->required();
    return command;
  };

  add_command("vkey", "Print the log's verifier key", Vkey);

  auto [add, add_args] = add_command(
      "add", "Append each file's bytes as one entry (durably); prints their indexes", Add);
  add->add_option("FILE", add_args->files, "Files to append, in order")->required();
  add->add_flag("--json", add_args->json, "Print the indexes as JSON");

  add_command("checkpoint", "Print the current signed checkpoint", PrintCheckpoint);

  auto [prove, prove_args] = add_command(
      "prove", "Print a C2SP tlog-proof (receipt) of an entry against the current checkpoint",
      Prove);
  prove->add_option("--index", prove_args->index, "The entry's index")
      ->required()
      ->transform(NonNegativeInteger());

  auto [consistency, consistency_args] = add_command(
      "consistency", "Print the consistency proof between two tree sizes, one base64 hash a line",
      Consistency);
  consistency->add_option("--from", consistency_args->from, "The older tree size")
      ->required()
      ->transform(NonNegativeInteger());
  consistency->add_option("--to", consistency_args->to, "The newer tree size")
      ->required()
      ->transform(NonNegativeInteger());

  auto [fsck, fsck_args] =
      add_command("fsck",
                  "Verify every tile and entry of a log directory (or a mirror of one) against its "
                  "checkpoint; names the first damaged file",
                  Fsck);
  fsck->add_flag("--json", fsck_args->json, "Print the result as JSON");

  AddLogVerifyCommand(*log, exit_code);
  AddLogMigrateCommand(*log, exit_code);
}

}  // namespace vigil::cli
