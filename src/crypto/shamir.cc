#include "crypto/shamir.h"

#include <pthread.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <utility>

#include "crypto/random.h"

namespace vigil::crypto::shamir {
namespace {

using Word = std::uint64_t;
constexpr std::size_t kWordSize = sizeof(Word);
constexpr std::size_t kLanes = kWordSize;
constexpr Word kLowBits = 0x0101010101010101ULL;  // 1 in every byte lane
constexpr Word kLow7Bits = 0x7f7f7f7f7f7f7f7fULL;
constexpr Word kHighBits = 0x8080808080808080ULL;
constexpr Word kReduction = 0x1b;  // x^8 = x^4 + x^3 + x + 1 (0x11B without the x^8 term)

// `byte` in every lane.
inline Word Broadcast(std::uint8_t byte) { return kLowBits * byte; }

// Multiplies the 8 byte lanes of `a` by the 8 byte lanes of `b` in GF(2^8), pairwise.
// Shift-and-add over the bits of `b` with all-ones/all-zero lane masks instead of branches or
// log tables, so the time and memory accesses depend on neither operand. Lanes never carry
// into each other.
inline Word MulLanes(Word a, Word b) {
  Word product = 0;
  for (int bit = 0; bit < 8; ++bit) {
    product ^= a & (((b >> bit) & kLowBits) * 0xff);
    const Word overflow = (a & kHighBits) >> 7;  // 1 in each lane whose x^7 term shifts out
    a = ((a & kLow7Bits) << 1) ^ (overflow * kReduction);
  }
  return product;
}

// a^254 = a^-1 lane by lane (a^255 = 1 for a != 0): a^2 * a^4 * ... * a^128, a fixed sequence
// of squarings and products.
Word InverseLanes(Word a) {
  Word power = a;
  Word result = kLowBits;
  for (int i = 1; i < 8; ++i) {
    power = MulLanes(power, power);
    result = MulLanes(result, power);
  }
  return result;
}

// Secret bytes are processed a word (8 byte lanes) at a time; the last, partial word is
// zero-padded. Lanes are independent, so byte order within the word does not matter.
inline Word Load(const std::uint8_t* bytes, std::size_t count) {
  Word word = 0;
  if (count == kWordSize) {
    std::memcpy(&word, bytes, kWordSize);
  } else {
    std::memcpy(&word, bytes, count);
  }
  return word;
}

inline void Store(std::uint8_t* bytes, Word word, std::size_t count) {
  if (count == kWordSize) {
    std::memcpy(bytes, &word, kWordSize);
  } else {
    std::memcpy(bytes, &word, count);
  }
}

// Each CSPRNG request costs a system call (about 2 us in a VM), more than the arithmetic of a
// small split, so small requests are served from a per-thread buffer refilled 4 KiB at a time.
// Bytes are wiped from the buffer as they are handed out, the whole buffer when its thread
// ends, and in a forked child, which must never reuse coefficients its parent also uses.
constexpr std::size_t kPoolSize = 4096;
constexpr std::size_t kMaxPooledRequest = kPoolSize / 4;

struct RandomPool {
  std::array<std::uint8_t, kPoolSize> bytes{};
  std::size_t used = kPoolSize;  // bytes[used..] are fresh
  RandomPool() = default;
  RandomPool(const RandomPool&) = delete;
  RandomPool& operator=(const RandomPool&) = delete;
  ~RandomPool() { Wipe(bytes); }
};

thread_local RandomPool random_pool;

void DiscardPoolInChild() {
  Wipe(random_pool.bytes);
  random_pool.used = kPoolSize;
}

Status FillRandom(std::span<std::uint8_t> out) {
  if (out.size() > kMaxPooledRequest) return RandomBytes(out);
  static const bool fork_handler_installed =
      pthread_atfork(nullptr, nullptr, &DiscardPoolInChild) == 0;
  if (!fork_handler_installed) return RandomBytes(out);
  RandomPool& pool = random_pool;
  if (kPoolSize - pool.used < out.size()) {
    VIGIL_RETURN_IF_ERROR(RandomBytes(pool.bytes));
    pool.used = 0;
  }
  std::memcpy(out.data(), pool.bytes.data() + pool.used, out.size());
  Wipe({pool.bytes.data() + pool.used, out.size()});
  pool.used += out.size();
  return OkStatus();
}

std::string Num(std::size_t n) { return std::to_string(n); }

}  // namespace

Result<std::vector<SecretBytes>> Split(ByteView secret, std::size_t threshold, std::size_t shares) {
  if (threshold < kMinThreshold) {
    return Error::BadInput("Shamir threshold must be at least 2, got " + Num(threshold));
  }
  if (shares > kMaxShares) {
    return Error::BadInput("Shamir share count must be at most 255, got " + Num(shares));
  }
  if (threshold > shares) {
    return Error::BadInput("Shamir threshold " + Num(threshold) + " exceeds the share count " +
                           Num(shares));
  }
  if (secret.empty()) return Error::BadInput("cannot split an empty secret");
  if (secret.size() > kMaxSecretSize) {
    return Error::BadInput("secret of " + Num(secret.size()) + " bytes exceeds the " +
                           Num(kMaxSecretSize) + "-byte limit for Shamir splitting");
  }

  const std::size_t size = secret.size();
  // Row k holds the coefficient of x^(k+1) for every secret byte, all drawn at once.
  SecretBytes coefficients((threshold - 1) * size);
  VIGIL_RETURN_IF_ERROR(FillRandom({coefficients.data(), coefficients.size()}));
  const std::uint8_t* rows = coefficients.data();

  std::vector<SecretBytes> out;
  out.reserve(shares);
  for (std::size_t index = 0; index < shares; ++index) {
    const auto x = static_cast<std::uint8_t>(index + 1);
    const Word x_lanes = Broadcast(x);
    SecretBytes share(size + 1);
    share.data()[0] = x;
    for (std::size_t offset = 0; offset < size; offset += kWordSize) {
      const std::size_t count = std::min(kWordSize, size - offset);
      // Horner's rule from the highest coefficient down to the secret itself.
      Word y = Load(rows + (threshold - 2) * size + offset, count);
      for (std::size_t k = threshold - 2; k-- > 0;) {
        y = MulLanes(y, x_lanes) ^ Load(rows + k * size + offset, count);
      }
      y = MulLanes(y, x_lanes) ^ Load(secret.data() + offset, count);
      Store(share.data() + 1 + offset, y, count);
    }
    out.push_back(std::move(share));
  }
  return out;
}

Result<SecretBytes> Reconstruct(const std::vector<ByteView>& shares) {
  if (shares.size() < 2) {
    return Error::BadInput("Shamir reconstruction needs at least 2 shares, got " +
                           Num(shares.size()));
  }
  if (shares.size() > kMaxShares) {
    return Error::BadInput("Shamir reconstruction takes at most 255 shares, got " +
                           Num(shares.size()));
  }
  const std::size_t share_size = shares[0].size();
  if (share_size < 2 || share_size > kMaxSecretSize + 1) {
    return Error::BadInput("share 1 is " + Num(share_size) +
                           " bytes; a share is one x byte followed by 1 to " + Num(kMaxSecretSize) +
                           " y bytes");
  }
  // x coordinates are public, so checking them with branches leaks nothing.
  std::array<std::size_t, 256> first_with_x{};  // 1-based share number, 0 = unseen
  std::array<std::uint8_t, kMaxShares> xs{};
  for (std::size_t i = 0; i < shares.size(); ++i) {
    if (shares[i].size() != share_size) {
      return Error::BadInput("share " + Num(i + 1) + " is " + Num(shares[i].size()) +
                             " bytes but share 1 is " + Num(share_size) +
                             "; shares of one secret all have the same length");
    }
    const std::uint8_t x = shares[i][0];
    if (x == 0) {
      return Error::BadInput("share " + Num(i + 1) + " has x = 0, which no valid share has");
    }
    if (first_with_x[x] != 0) {
      return Error::BadInput("shares " + Num(first_with_x[x]) + " and " + Num(i + 1) +
                             " both have x = " + Num(x) + " (the same share given twice?)");
    }
    first_with_x[x] = i + 1;
    xs[i] = x;
  }

  // Lagrange basis at 0: l_i = prod_{j != i} x_j / (x_j - x_i), subtraction being XOR here;
  // eight l_i at a time, one per lane, with lane i's own factor (j == i) replaced by 1.
  const std::size_t count_of_shares = shares.size();
  std::array<Word, kMaxShares> basis{};  // l_i broadcast to every lane
  for (std::size_t group = 0; group < count_of_shares; group += kLanes) {
    Word own_x = kLowBits;
    for (std::size_t lane = 0; lane < kLanes && group + lane < count_of_shares; ++lane) {
      own_x ^= (Word{xs[group + lane]} ^ 1) << (8 * lane);
    }
    Word numerator = kLowBits;
    Word denominator = kLowBits;
    for (std::size_t j = 0; j < count_of_shares; ++j) {
      const Word self = (j >= group && j < group + kLanes) ? Word{0xff} << (8 * (j - group)) : 0;
      const Word x_j = Broadcast(xs[j]);
      numerator = MulLanes(numerator, (x_j & ~self) | (kLowBits & self));
      denominator = MulLanes(denominator, ((x_j ^ own_x) & ~self) | (kLowBits & self));
    }
    const Word lanes = MulLanes(numerator, InverseLanes(denominator));
    for (std::size_t lane = 0; lane < kLanes && group + lane < count_of_shares; ++lane) {
      basis[group + lane] = Broadcast(static_cast<std::uint8_t>(lanes >> (8 * lane)));
    }
  }

  const std::size_t size = share_size - 1;
  SecretBytes secret(size);
  for (std::size_t offset = 0; offset < size; offset += kWordSize) {
    const std::size_t count = std::min(kWordSize, size - offset);
    Word sum = 0;
    for (std::size_t i = 0; i < count_of_shares; ++i) {
      sum ^= MulLanes(Load(shares[i].data() + 1 + offset, count), basis[i]);
    }
    Store(secret.data() + offset, sum, count);
  }
  return secret;
}

}  // namespace vigil::crypto::shamir
