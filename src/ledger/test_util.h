// For tests: the real ledger service in process (a log store, build logs and the service
// host on a Unix socket with mutual TLS, under a test CA and a policy that lets the
// "builder" role stream build logs), and the builder's peer to call it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "ledger/build_entry.h"
#include "ledger/build_logs.h"
#include "ledger/ledger_service.h"
#include "rpc/ca.h"
#include "rpc/service_host.h"
#include "tlog/sequencer.h"
#include "tlog/store.h"

namespace vigil::ledger {

class InProcessLedger {
 public:
  // Starts the ledger under `dir` (which exists). Call through ASSERT_NO_FATAL_FAILURE.
  void Start(const std::filesystem::path& dir) {
    const std::filesystem::path ca = dir / "ca";
    ASSERT_TRUE(rpc::InitCa(ca, 1).ok());
    ASSERT_TRUE(rpc::IssueCertificate(ca, "ledger", {"log"}, 1).ok());
    ASSERT_TRUE(rpc::IssueCertificate(ca, "builder", {"build"}, 1).ok());
    std::filesystem::create_directories(dir / "policy");
    std::ofstream(dir / "policy" / "10-ledger.policy")
        << "vigil.BuildLog * @tag:build @any allow\n";

    ASSERT_TRUE(tlog::LogStore::Init(dir / "log", "example.com/ledger").ok());
    auto store = tlog::LogStore::Open(dir / "log", LabelEntry);
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(store).value();
    auto logs = BuildLogs::Open(dir / "log");
    ASSERT_TRUE(logs.ok()) << logs.error().message();
    logs_ = std::move(logs).value();
    sequencer_ = std::make_unique<tlog::Sequencer>(*store_);
    service_ = std::make_unique<LedgerService>(*store_, *sequencer_, *logs_);

    rpc::ServiceHostOptions options;
    options.tls = {ca / "ledger.crt", ca / "ledger.key", ca / "ca.crt"};
    options.policy_dir = dir / "policy";
    options.audit_log = dir / "audit.log";
    options.handle_signals = false;
    auto host = rpc::ServiceHost::Create(options);
    ASSERT_TRUE(host.ok()) << host.error().message();
    host_ = std::move(host).value();
    service_->RegisterWith(*host_);
    const std::string address = "unix:" + (dir / "ledger.sock").string();
    auto listening = host_->Listen(*rpc::ParseAddress(address));
    ASSERT_TRUE(listening.ok()) << listening.error().message();
    thread_ = std::thread([this] { (void)host_->Run(); });
    auto peer =
        rpc::MakePeer(address, {ca / "builder.crt", ca / "builder.key", ca / "ca.crt"}, "ledger");
    ASSERT_TRUE(peer.ok()) << peer.error().message();
    peer_ = std::move(peer).value();
  }

  ~InProcessLedger() {
    if (host_) {
      host_->Stop();
      thread_.join();
    }
    if (sequencer_) sequencer_->Stop();
  }

  tlog::LogStore& store() { return *store_; }
  const rpc::Peer& peer() const { return peer_; }

 private:
  std::unique_ptr<tlog::LogStore> store_;
  std::unique_ptr<BuildLogs> logs_;
  std::unique_ptr<tlog::Sequencer> sequencer_;
  std::unique_ptr<LedgerService> service_;
  std::unique_ptr<rpc::ServiceHost> host_;
  std::thread thread_;
  rpc::Peer peer_;
};

}  // namespace vigil::ledger
