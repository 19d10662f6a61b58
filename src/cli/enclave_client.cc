#include "cli/enclave_client.h"

#include "http/client.h"
#include "quorum/channel.h"

namespace vigil::cli {
namespace {

Result<Bytes> Send(const EnclaveAddress& address, ByteView message) {
  if (address.host_ip.empty()) {
    if (address.usock.empty()) {
      return Error::BadInput("say where the enclave is: --usock, or --host-ip and --host-port");
    }
    return quorum::ExchangeFrames(address.usock, message);
  }
  if (!address.usock.empty()) return Error::BadInput("give --usock or --host-ip, not both");
  if (address.host_port <= 0) return Error::BadInput("--host-ip needs --host-port");
  http::Url url{.host = address.host_ip, .port = address.host_port};
  http::ClientLimits limits;
  limits.deadline = std::chrono::seconds(30);
  VIGIL_ASSIGN_OR_RETURN(http::Reply reply, http::Post(url, "/qos/message", message, limits));
  if (reply.status != 200) {
    return Error::Failed("the host answered " + std::to_string(reply.status) + ": " +
                         std::string(AsText(reply.body)).substr(0, 300));
  }
  return std::move(reply.body);
}

}  // namespace

void AddEnclaveAddressOptions(CLI::App* command, EnclaveAddress& address) {
  command->add_option("--usock", address.usock, "The enclave's Unix socket");
  command->add_option("--host-ip", address.host_ip, "The host relay's address (vigil-host)");
  command->add_option("--host-port", address.host_port, "The host relay's port")
      ->check(CLI::Range(1, 65535));
}

Result<quorum::ProtocolMsg> Exchange(const EnclaveAddress& address,
                                     const quorum::ProtocolMsg& request,
                                     quorum::WireEncoding encoding) {
  VIGIL_ASSIGN_OR_RETURN(Bytes message, quorum::EncodeWire(request, encoding));
  VIGIL_ASSIGN_OR_RETURN(Bytes answer, Send(address, message));
  Result<quorum::DecodedMsg> decoded = quorum::DecodeWire(answer);
  if (!decoded.ok()) return Error::Failed("the enclave's answer: " + decoded.error().message());
  if (decoded->msg.kind == quorum::MessageKind::kProtocolErrorResponse) {
    return Error::Failed(quorum::DescribeProtocolError(decoded->msg.error));
  }
  return std::move(decoded->msg);
}

}  // namespace vigil::cli
