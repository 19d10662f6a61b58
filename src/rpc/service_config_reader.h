// Reads a configuration file's [service] table (rpc/service_config.h) with the strict
// TOML reader; for the .cc files that read a binary's whole configuration.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <string_view>

#include "base/result.h"
#include "encoding/toml_reader.h"
#include "rpc/service_config.h"

namespace vigil::rpc {

// Reads `service`, allowing the binary's `own_keys` beside the common ones. BadInput with
// file and line for an unknown or missing key.
Result<ServiceConfig> ReadServiceConfig(const TomlReader& reader, const toml::table& service,
                                        const std::filesystem::path& base,
                                        std::initializer_list<std::string_view> own_keys);

}  // namespace vigil::rpc
