// Writes a multi-host deployment (`vigil farm hosts HOSTS.toml --out DIR`): the deployment
// CA in DIR/ca (ca.key belongs offline; operator.crt and .key for people who trigger
// builds) and one directory per host, DIR/HOST, to copy to that host: the CA certificate,
// each of its roles' certificate and key, configuration (TCP listen addresses, its peers'
// TCP addresses), call policy naming the roles allowed to call it, and a README with the
// commands to run there. The ledger's host also gets the log (`ledger-log/`, its key
// inside); with a database, the first ledger host gets it as `ledger-seed/` (its README
// puts it in the database with vigil log migrate) and every other one the same key in
// `ledger-log/`. Nothing is written unless all of it is: DIR appears whole or not at all.
#pragma once

#include <filesystem>

#include "base/result.h"
#include "farm/hosts.h"

namespace vigil::farm {

// The certificate name of `role` on `host`: a builder's is its host's name, the others'
// their role's.
std::string CertificateName(const HostSpec& host, std::string_view role);

// BadInput when `out` exists (a deployment's keys are never overwritten).
Status WriteHostLayout(const HostsPlan& plan, const std::filesystem::path& out);

}  // namespace vigil::farm
