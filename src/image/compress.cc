#include "image/compress.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace vigil::image {
namespace {

// gzip is made of independently deflated blocks of kGzipBlock bytes, each primed with the
// 32 KiB of input before it (as pigz does), so blocks compress in parallel while the
// output depends only on the input: block boundaries never depend on the thread count.
constexpr std::size_t kGzipBlock = 128 * 1024;
constexpr std::size_t kDeflateWindow = 32 * 1024;

// Deflates data[begin, end) as raw deflate. Non-final blocks end with a sync flush (byte
// aligned, BFINAL clear) so the blocks concatenate into one valid deflate stream.
Result<Bytes> DeflateBlock(ByteView data, std::size_t begin, std::size_t end) {
  z_stream stream{};
  // Raw deflate (windowBits -15); memLevel 8 and the default strategy are pinned.
  if (deflateInit2(&stream, kGzipLevel, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Error::Failed("zlib could not start a deflate stream");
  }
  std::unique_ptr<z_stream, decltype(&deflateEnd)> guard(&stream, deflateEnd);
  if (begin > 0) {
    std::size_t dict = std::min(begin, kDeflateWindow);
    if (deflateSetDictionary(&stream, data.data() + begin - dict, static_cast<uInt>(dict)) !=
        Z_OK) {
      return Error::Failed("zlib refused the deflate dictionary");
    }
  }
  bool last = end == data.size();
  Bytes out(deflateBound(&stream, static_cast<uLong>(end - begin)) + 64);
  stream.next_in = const_cast<Bytef*>(data.data() + begin);
  stream.avail_in = static_cast<uInt>(end - begin);
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&stream, last ? Z_FINISH : Z_SYNC_FLUSH);
  if ((last && rc != Z_STREAM_END) || (!last && (rc != Z_OK || stream.avail_in != 0))) {
    return Error::Failed("zlib could not deflate a block");
  }
  out.resize(stream.total_out);
  return out;
}

void PutLe32(Bytes& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

}  // namespace

Result<Bytes> CompressGzip(ByteView data, std::size_t threads) {
  std::size_t blocks = data.empty() ? 1 : (data.size() + kGzipBlock - 1) / kGzipBlock;
  std::vector<std::optional<Result<Bytes>>> results(blocks);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < blocks; i = next++) {
      std::size_t begin = i * kGzipBlock;
      results[i].emplace(DeflateBlock(data, begin, std::min(data.size(), begin + kGzipBlock)));
    }
  };
  threads = std::clamp<std::size_t>(threads, 1, blocks);
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();

  // RFC 1952 header: deflate, no flags (no name, comment or extra), MTIME 0, XFL 2
  // (maximum compression), OS 3 (Unix) whatever the build host.
  Bytes out = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3};
  for (auto& result : results) {
    if (!result->ok()) return result->error();
    out.insert(out.end(), (*result)->begin(), (*result)->end());
  }
  PutLe32(out, static_cast<std::uint32_t>(
                   crc32(crc32(0, nullptr, 0), data.data(), static_cast<uInt>(data.size()))));
  PutLe32(out, static_cast<std::uint32_t>(data.size()));  // ISIZE: size mod 2^32
  return out;
}

namespace {

Result<Bytes> Zstd(ByteView data) {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> ctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (!ctx) return Error::Failed("libzstd could not allocate a context");
  ZSTD_CCtx* c = ctx.get();
  // Every parameter that changes the output is pinned, none left to the library default.
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, kZstdLevel);
  ZSTD_CCtx_setParameter(c, ZSTD_c_nbWorkers, 0);
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1);
  ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 0);
  Bytes out(ZSTD_compressBound(data.size()));
  std::size_t n = ZSTD_compress2(c, out.data(), out.size(), data.data(), data.size());
  if (ZSTD_isError(n)) {
    return Error::Failed(std::string("libzstd failed: ") + ZSTD_getErrorName(n));
  }
  out.resize(n);
  return out;
}

}  // namespace

Result<Compression> ParseCompression(std::string_view name) {
  if (name == "gzip") return Compression::kGzip;
  if (name == "zstd") return Compression::kZstd;
  if (name == "none") return Compression::kNone;
  return Error::BadInput("unknown compression '" + std::string(name) +
                         "'; use gzip, zstd or none");
}

std::string CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
    case Compression::kNone: return "none";
  }
  return "none";
}

std::string CompressionSuffix(Compression compression) {
  switch (compression) {
    case Compression::kGzip: return ".gz";
    case Compression::kZstd: return ".zst";
    case Compression::kNone: return "";
  }
  return "";
}

Result<Bytes> Compress(ByteView data, Compression compression) {
  if (data.size() > 0xffffffffu) return Error::BadInput("input to compress exceeds 4 GiB");
  switch (compression) {
    case Compression::kGzip:
      return CompressGzip(data, std::min(8u, std::max(1u, std::thread::hardware_concurrency())));
    case Compression::kZstd: return Zstd(data);
    case Compression::kNone: return Bytes(data.begin(), data.end());
  }
  return Error::Failed("unreachable compression");
}

}  // namespace vigil::image
