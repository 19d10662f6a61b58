#include "image/compress.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "base/cpu.h"

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

Result<Bytes> CompressGzip(ByteView data, std::size_t threads, const std::atomic<bool>* cancel) {
  std::size_t blocks = data.empty() ? 1 : (data.size() + kGzipBlock - 1) / kGzipBlock;
  std::vector<std::optional<Result<Bytes>>> results(blocks);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < blocks; i = next++) {
      if (cancel != nullptr && cancel->load()) {
        results[i].emplace(Error::Failed("compression cancelled"));
        continue;
      }
      std::size_t begin = i * kGzipBlock;
      results[i].emplace(DeflateBlock(data, begin, std::min(data.size(), begin + kGzipBlock)));
    }
  };
  threads = std::clamp<std::size_t>(threads, 1, blocks);
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // no more threads (a pids limit): the ones we have do the remaining blocks
    }
  }
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

// Streams the input in fixed 1 MiB steps so a cancel is noticed; the steps are fixed, so
// the output depends only on the input.
Result<Bytes> Zstd(ByteView data, const std::atomic<bool>* cancel) {
  constexpr std::size_t kStep = 1 << 20;
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> ctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (!ctx) return Error::Failed("libzstd could not allocate a context");
  ZSTD_CCtx* c = ctx.get();
  // Every parameter that changes the output is pinned, none left to the library default.
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, kZstdLevel);
  ZSTD_CCtx_setParameter(c, ZSTD_c_nbWorkers, 0);
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1);
  ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 0);
  ZSTD_CCtx_setPledgedSrcSize(c, data.size());
  Bytes out(ZSTD_compressBound(data.size()) + 64);
  ZSTD_outBuffer output{out.data(), out.size(), 0};
  std::size_t offset = 0;
  for (;;) {
    if (cancel != nullptr && cancel->load()) return Error::Failed("compression cancelled");
    std::size_t step = std::min(kStep, data.size() - offset);
    bool last = offset + step == data.size();
    ZSTD_inBuffer input{data.data() + offset, step, 0};
    std::size_t rc;
    do {
      rc = ZSTD_compressStream2(c, &output, &input, last ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(rc)) {
        return Error::Failed(std::string("libzstd failed: ") + ZSTD_getErrorName(rc));
      }
    } while (input.pos < input.size || (last && rc != 0));
    offset += step;
    if (last) break;
  }
  out.resize(output.pos);
  return out;
}

}  // namespace

Result<Bytes> Compress(ByteView data, Compression compression, const std::atomic<bool>* cancel) {
  if (data.size() > 0xffffffffu) return Error::BadInput("input to compress exceeds 4 GiB");
  switch (compression) {
    case Compression::kGzip:
      return CompressGzip(data, std::min<std::size_t>(8, UsableCpuCount()), cancel);
    case Compression::kZstd:
      return Zstd(data, cancel);
    case Compression::kNone:
      return Bytes(data.begin(), data.end());
  }
  return Error::Failed("unreachable compression");
}

}  // namespace vigil::image

namespace vigil::image {
namespace {

Result<Bytes> Gunzip(ByteView data, std::size_t max_size) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return Error::Failed("zlib could not start");
  std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&stream, inflateEnd);
  stream.next_in = const_cast<Bytef*>(data.data());
  stream.avail_in = static_cast<uInt>(data.size());
  Bytes out;
  std::uint8_t chunk[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    stream.next_out = chunk;
    stream.avail_out = sizeof(chunk);
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) return Error::BadInput("not valid gzip data");
    out.insert(out.end(), chunk, chunk + (sizeof(chunk) - stream.avail_out));
    if (out.size() > max_size) return Error::BadInput("gzip data expands beyond the limit");
    if (rc == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
      return Error::BadInput("truncated gzip data");
    }
  }
  if (stream.avail_in != 0) return Error::BadInput("bytes after the gzip data");
  return out;
}

Result<Bytes> Unzstd(ByteView data, std::size_t max_size) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return Error::Failed("libzstd could not allocate a context");
  ZSTD_inBuffer input{data.data(), data.size(), 0};
  Bytes out;
  std::uint8_t chunk[1 << 16];
  // rc is 0 exactly when a frame has just been completed and flushed.
  std::size_t rc = 1;
  for (;;) {
    ZSTD_outBuffer output{chunk, sizeof(chunk), 0};
    rc = ZSTD_decompressStream(ctx.get(), &output, &input);
    if (ZSTD_isError(rc)) return Error::BadInput("not valid zstd data");
    out.insert(out.end(), chunk, chunk + output.pos);
    if (out.size() > max_size) return Error::BadInput("zstd data expands beyond the limit");
    if (input.pos == input.size && (rc == 0 || output.pos == 0)) break;
  }
  if (rc != 0) return Error::BadInput("truncated zstd data");
  return out;
}

}  // namespace

Result<Bytes> Decompress(ByteView data, Compression compression, std::size_t max_size) {
  switch (compression) {
    case Compression::kGzip:
      return Gunzip(data, max_size);
    case Compression::kZstd:
      return Unzstd(data, max_size);
    case Compression::kNone:
      if (data.size() > max_size) return Error::BadInput("data beyond the limit");
      return Bytes(data.begin(), data.end());
  }
  return Error::Failed("unreachable compression");
}

}  // namespace vigil::image
