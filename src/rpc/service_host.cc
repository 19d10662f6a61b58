// The service host's life: creating it (TLS, identity, policy, audit log), the policy and
// its reloads, running until a signal or Stop(), and draining calls on the way out.
#include "rpc/service_host.h"

#include <unistd.h>

#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <functional>

#include "rpc/service_host_impl.h"

namespace vigil::rpc {

void ServiceHostImpl::LoadPolicy() {
  auto state = std::make_shared<PolicyState>();
  auto policy = Policy::Load(options_.policy_dir);
  if (policy.ok()) {
    state->policy = std::move(*policy);
    audit_.Record({{"event", "policy"},
                   {"result", "loaded"},
                   {"dir", options_.policy_dir.string()},
                   {"rules", state->policy->rules().size()}});
  } else {
    state->error = policy.error().message();
    std::fprintf(stderr, "vigil: policy invalid, denying every call: %s\n", state->error.c_str());
    audit_.Record({{"event", "policy"},
                   {"result", "invalid"},
                   {"dir", options_.policy_dir.string()},
                   {"error", state->error}});
  }
  policy_ = std::move(state);
}

void ServiceHostImpl::BeginStop() {
  if (stopping_) return;
  stopping_ = true;
  for (auto& acceptor : acceptors_) {
    asio::error_code ignored;
    acceptor->close(ignored);
  }
  for (const auto& path : unix_paths_) ::unlink(path.c_str());
  if (active_ == 0) {
    io.stop();
    return;
  }
  drain_timer_ = std::make_unique<asio::steady_timer>(io, options_.drain_timeout);
  drain_timer_->async_wait([this](const asio::error_code&) { io.stop(); });
}

ServiceHost::ServiceHost(std::unique_ptr<ServiceHostImpl> impl, CallIdentity identity)
    : impl_(std::move(impl)), identity_(std::move(identity)) {}

ServiceHost::~ServiceHost() {
  for (const auto& path : impl_->unix_paths_) ::unlink(path.c_str());
}

Result<std::unique_ptr<ServiceHost>> ServiceHost::Create(ServiceHostOptions options) {
  VIGIL_RETURN_IF_ERROR(CheckMaxFrame(options.limits.max_frame));
  std::error_code ec;
  options.policy_dir = std::filesystem::absolute(options.policy_dir, ec);  // for audit lines
  VIGIL_ASSIGN_OR_RETURN(auto tls, MakeTlsContext(options.tls, TlsSide::kServer));
  VIGIL_ASSIGN_OR_RETURN(CallIdentity self, IdentityOfCertificateFile(options.tls.certificate));
  VIGIL_ASSIGN_OR_RETURN(AuditLog audit, AuditLog::Open(options.audit_log));
  auto impl =
      std::make_unique<ServiceHostImpl>(std::move(options), std::move(tls), std::move(audit));
  impl->self_ = self;
  impl->LoadPolicy();
  std::unique_ptr<ServiceHost> host(new ServiceHost(std::move(impl), std::move(self)));
  host->Register("vigil.Ping", [](Call& call) -> asio::awaitable<Status> {
    co_return co_await call.Write("pong\n");
  });
  return host;
}

void ServiceHost::Register(std::string service, Handler handler) {
  impl_->handlers_[std::move(service)] = std::move(handler);
}

Result<Address> ServiceHost::Listen(const Address& address) {
  try {
    return impl_->Listen(address);
  } catch (const std::exception& e) {
    return Error::MissingEnv("cannot listen on " + address.ToString() + ": " + e.what());
  }
}

Status ServiceHost::Run() {
  std::unique_ptr<asio::signal_set> signals;
  std::function<void()> wait_for_signal;
  if (impl_->options_.handle_signals) {
    signals = std::make_unique<asio::signal_set>(impl_->io, SIGHUP, SIGTERM, SIGINT);
    wait_for_signal = [&] {
      signals->async_wait([&](const asio::error_code& error, int signal) {
        if (error) return;
        if (signal == SIGHUP) {
          impl_->LoadPolicy();
          wait_for_signal();
        } else {
          impl_->BeginStop();
        }
      });
    };
    wait_for_signal();
  }
  try {
    impl_->io.run();
  } catch (const std::exception& e) {
    return Error::Failed(std::string("the service host stopped: ") + e.what());
  }
  return OkStatus();
}

void ServiceHost::Stop() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->BeginStop(); });
}

void ServiceHost::ReloadPolicy() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->LoadPolicy(); });
}

std::string ServiceHost::policy_error() const { return impl_->policy_->error; }

Status ListenAndAnnounce(ServiceHost& host, const std::vector<std::string>& addresses,
                         std::string_view program) {
  for (const std::string& text : addresses) {
    VIGIL_ASSIGN_OR_RETURN(Address address, ParseAddress(text));
    VIGIL_ASSIGN_OR_RETURN(Address bound, host.Listen(address));
    std::printf("%.*s: %s listening on %s\n", static_cast<int>(program.size()), program.data(),
                host.identity().name.c_str(), bound.ToString().c_str());
  }
  std::fflush(stdout);
  return OkStatus();
}

}  // namespace vigil::rpc
