// Splitting text that holds ASCII-armoured OpenPGP signatures one after another (the git
// note of a commit's release signatures) into its blocks. Strict: whatever is not a whole
// block is reported, so nothing in the text goes unseen.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil::release {

struct SignatureBlock {
  std::string text;       // "-----BEGIN PGP SIGNATURE-----" ... "-----END PGP SIGNATURE-----\n"
  std::string malformed;  // instead of text: why this part is not a block
};

// The blocks of `text` in order. Text other than white space before a block, after the last
// one, or a block without its END line becomes an entry with `malformed` set. kBadInput when
// there are more than `max_blocks` entries.
Result<std::vector<SignatureBlock>> SplitSignatureBlocks(std::string_view text,
                                                         std::size_t max_blocks);

}  // namespace vigil::release
