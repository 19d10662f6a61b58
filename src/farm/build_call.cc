#include "farm/build_call.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <chrono>

#include "rpc/call_client.h"

namespace vigil::farm {
namespace {

Result<rpc::Peer> BuilderPeer(const FarmLayout& farm) {
  VIGIL_ASSIGN_OR_RETURN(
      rpc::Peer builder,
      rpc::MakePeer("unix:" + farm.socket("builder").string(),
                    {farm.ca() / "operator.crt", farm.ca() / "operator.key", farm.ca() / "ca.crt"},
                    "builder"));
  // A build streams its log for as long as it runs.
  builder.options.limits.idle_timeout = std::chrono::hours(2);
  builder.options.limits.total_timeout = std::chrono::hours(24);
  return builder;
}

asio::awaitable<Result<BuildCallEnd>> Call(asio::io_context& io, const FarmLayout& farm,
                                           const rpc::Peer& builder, const std::string& component,
                                           const std::function<Status(std::string_view)>& on_output,
                                           const std::string& commit) {
  const rpc::CallRequest request{"vigil.TriggerBuild", component};
  auto call = co_await builder.Open(io.get_executor(), request);
  if (!call.ok()) {
    if (call.error().code() != ErrorCode::kMissingEnv) co_return call.error();
    co_return call.error().WithContext(
        "the farm's builder is not running (start it with `vigil "
        "farm up " +
        farm.dir.string() + "`)");
  }
  if (!commit.empty()) (void)co_await (*call)->Write("commit " + commit + "\n");
  (void)co_await (*call)->CloseWrite();
  Result<BuildCallEnd> end = Error::Failed("the builder's answer ended without an exit");
  while (true) {
    auto event = co_await (*call)->Read();
    if (!event.ok()) {
      end = event.error();
      break;
    }
    if (event->kind == rpc::CallEvent::Kind::kData) {
      if (Status taken = on_output(event->data); !taken.ok()) {
        end = taken.error();
        break;
      }
    }
    if (event->kind == rpc::CallEvent::Kind::kExit) {
      end = BuildCallEnd{event->exit_code, event->message};
      break;
    }
  }
  co_await (*call)->Close();
  co_return end;
}

}  // namespace

Result<BuildCallEnd> TriggerBuild(const FarmLayout& farm, const std::string& component,
                                  const std::function<Status(std::string_view)>& on_output,
                                  const std::string& commit) {
  VIGIL_ASSIGN_OR_RETURN(rpc::Peer builder, BuilderPeer(farm));
  asio::io_context io;
  Result<BuildCallEnd> end = Error::Failed("the call did not run");
  auto run = [&]() -> asio::awaitable<void> {
    end = co_await Call(io, farm, builder, component, on_output, commit);
  };
  try {
    asio::co_spawn(io, run(), asio::detached);
    io.run();
  } catch (const std::exception& e) {
    return Error::Failed(std::string("the call failed: ") + e.what());
  }
  return end;
}

}  // namespace vigil::farm
