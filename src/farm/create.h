// Making a farm: everything `vigil farm up` needs in its directory the first time.
#pragma once

#include <filesystem>

#include "base/result.h"
#include "farm/layout.h"

namespace vigil::farm {

// Creates everything a farm needs in DIR the first time: the CA and a certificate per role
// (ledger, signer, builder, operator), the ledger's log and checkpoint key, the signing key,
// the call policies and each role's configuration. Does nothing if DIR/builder.toml exists.
// `bin` holds vigil-signer (which creates the signing key).
Status CreateFarm(const FarmLayout& farm, const std::filesystem::path& bin);

// What `vigil farm up` starts from: the farm already in DIR, checked with CheckFarm, or one
// CreateFarm makes now (then true). BadInput when DIR exists and is not a directory; a
// failure to create is "cannot create the farm: ...".
Result<bool> PrepareFarm(const FarmLayout& farm, const std::filesystem::path& bin);

}  // namespace vigil::farm
