#include <iostream>
#include <memory>

#include "base/base64.h"
#include "base/file.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
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

int Init(const LogArgs& args) {
  Status created = tlog::LogStore::Init(args.dir, args.origin);
  if (!created.ok()) return ReportError(created.error());
  auto store = tlog::LogStore::Open(args.dir);
  if (!store.ok()) return ReportError(store.error());
  if (args.json) {
    PrintJson({{"dir", args.dir}, {"origin", args.origin}, {"vkey", (*store)->verifier_key()}});
  } else {
    std::cerr << "vigil: created the log " << args.origin << " in " << args.dir
              << "; its verifier key:\n";
    std::cout << (*store)->verifier_key() << "\n";
  }
  return 0;
}

int Vkey(const LogArgs& args) {
  auto store = tlog::LogStore::OpenReadOnly(args.dir);
  if (!store.ok()) return ReportError(store.error());
  std::cout << (*store)->verifier_key() << "\n";
  return 0;
}

int Add(const LogArgs& args) {
  // Read and check every file first: a bad one means nothing is appended.
  std::vector<Bytes> entries;
  for (const std::string& file : args.files) {
    auto bytes = ReadFile(file, tlog::kMaxStoredEntrySize);
    if (!bytes.ok()) {
      return ReportError(bytes.error().WithContext(file + " (an entry holds at most 65535 bytes)"));
    }
    entries.push_back(std::move(bytes).value());
  }
  auto store = tlog::LogStore::Open(args.dir);
  if (!store.ok()) return ReportError(store.error());
  auto first = (*store)->AppendBatch(entries);
  if (!first.ok()) return ReportError(first.error());
  if (args.json) {
    Json out = Json::array();
    for (std::size_t i = 0; i < entries.size(); ++i) {
      out.push_back({{"file", args.files[i]}, {"index", *first + i}});
    }
    PrintJson(out);
  } else {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      std::cout << *first + i << "\n";
    }
  }
  return 0;
}

int PrintCheckpoint(const LogArgs& args) {
  auto store = tlog::LogStore::OpenReadOnly(args.dir);
  if (!store.ok()) return ReportError(store.error());
  std::cout << (*store)->checkpoint();
  return 0;
}

int Prove(const LogArgs& args) {
  auto store = tlog::LogStore::OpenReadOnly(args.dir);
  if (!store.ok()) return ReportError(store.error());
  if (args.index >= (*store)->size()) {
    return ReportError(Error::BadInput("index " + std::to_string(args.index) +
                                       " is not in the log (size " +
                                       std::to_string((*store)->size()) + ")"));
  }
  auto receipt = (*store)->Receipt(args.index);
  if (!receipt.ok()) return ReportError(receipt.error());
  std::cout << *receipt;
  return 0;
}

int Consistency(const LogArgs& args) {
  auto store = tlog::LogStore::OpenReadOnly(args.dir);
  if (!store.ok()) return ReportError(store.error());
  if (args.from > args.to || args.to > (*store)->size()) {
    return ReportError(
        Error::BadInput("need --from <= --to <= the log size " + std::to_string((*store)->size())));
  }
  auto proof = (*store)->ConsistencyProof(args.from, args.to);
  if (!proof.ok()) return ReportError(proof.error());
  for (const tlog::Hash& hash : *proof) {
    std::cout << Base64Encode(hash) << "\n";
  }
  return 0;
}

int Fsck(const LogArgs& args) {
  auto store = tlog::LogStore::OpenReadOnly(args.dir);
  if (!store.ok()) return ReportError(store.error());
  std::uint64_t shown = 0;
  auto report = (*store)->Fsck([&shown](std::uint64_t entries) {
    if (entries >= shown + (1u << 20)) {
      shown = entries;
      ShowProgress("checked " + std::to_string(entries) + " entries");
    }
  });
  if (!report.ok()) return ReportError(report.error());
  if (args.json) {
    PrintJson({{"dir", args.dir},
               {"origin", (*store)->origin()},
               {"size", report->size},
               {"root", Base64Encode(report->root)},
               {"tiles", report->tiles},
               {"bundles", report->bundles}});
  } else {
    std::cout << "log " << (*store)->origin() << " in " << args.dir << ": " << report->size
              << " entries in " << report->bundles << " bundles and " << report->tiles
              << " hash tiles verified against its checkpoint (root " << Base64Encode(report->root)
              << ")\n";
  }
  return 0;
}

}  // namespace

void AddLogCommands(CLI::App& app, int* exit_code) {
  CLI::App* log = app.add_subcommand(
      "log", "Transparency logs: offline commands over a log directory, and verification");
  log->require_subcommand(1);
  auto args = std::make_shared<LogArgs>();

  CLI::App* init = log->add_subcommand(
      "init", "Create a log: a new Ed25519 checkpoint key and an empty tree; prints the vkey");
  init->add_option("DIR", args->dir, "The new log directory")->required();
  init->add_option("--origin", args->origin, "The log's name, e.g. example.com/vigil")->required();
  init->add_flag("--json", args->json, "Print the result as JSON");
  init->callback([args, exit_code] { *exit_code = Init(*args); });

  CLI::App* vkey = log->add_subcommand("vkey", "Print the log's verifier key");
  vkey->add_option("DIR", args->dir, "The log directory")->required();
  vkey->callback([args, exit_code] { *exit_code = Vkey(*args); });

  CLI::App* add = log->add_subcommand(
      "add", "Append each file's bytes as one entry (durably); prints their indexes");
  add->add_option("DIR", args->dir, "The log directory")->required();
  add->add_option("FILE", args->files, "Files to append, in order")->required();
  add->add_flag("--json", args->json, "Print the indexes as JSON");
  add->callback([args, exit_code] { *exit_code = Add(*args); });

  CLI::App* checkpoint = log->add_subcommand("checkpoint", "Print the current signed checkpoint");
  checkpoint->add_option("DIR", args->dir, "The log directory")->required();
  checkpoint->callback([args, exit_code] { *exit_code = PrintCheckpoint(*args); });

  CLI::App* prove = log->add_subcommand(
      "prove", "Print a C2SP tlog-proof (receipt) of an entry against the current checkpoint");
  prove->add_option("DIR", args->dir, "The log directory")->required();
  prove->add_option("--index", args->index, "The entry's index")
      ->required()
      ->transform(NonNegativeInteger());
  prove->callback([args, exit_code] { *exit_code = Prove(*args); });

  CLI::App* consistency = log->add_subcommand(
      "consistency", "Print the consistency proof between two tree sizes, one base64 hash a line");
  consistency->add_option("DIR", args->dir, "The log directory")->required();
  consistency->add_option("--from", args->from, "The older tree size")
      ->required()
      ->transform(NonNegativeInteger());
  consistency->add_option("--to", args->to, "The newer tree size")
      ->required()
      ->transform(NonNegativeInteger());
  consistency->callback([args, exit_code] { *exit_code = Consistency(*args); });

  CLI::App* fsck = log->add_subcommand(
      "fsck",
      "Verify every tile and entry of a log directory (or a mirror of one) against its "
      "checkpoint; names the first damaged file");
  fsck->add_option("DIR", args->dir, "The log directory")->required();
  fsck->add_flag("--json", args->json, "Print the result as JSON");
  fsck->callback([args, exit_code] { *exit_code = Fsck(*args); });

  AddLogVerifyCommand(*log, exit_code);
}

}  // namespace vigil::cli
