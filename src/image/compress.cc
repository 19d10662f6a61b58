#include "image/compress.h"

#include <zlib.h>
#include <zstd.h>

#include <memory>

namespace vigil::image {
namespace {

Result<Bytes> Gzip(ByteView data) {
  z_stream stream{};
  // windowBits 15 + 16 selects the gzip wrapper; memLevel 8 and the default strategy are
  // pinned so the output does not depend on zlib's defaults.
  if (deflateInit2(&stream, kGzipLevel, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Error::Failed("zlib could not start a gzip stream");
  }
  gz_header header{};
  header.time = 0;     // no timestamp
  header.os = 3;       // Unix, whatever the build host
  header.name = Z_NULL;  // no file name
  deflateSetHeader(&stream, &header);

  Bytes out(deflateBound(&stream, static_cast<uLong>(data.size())) + 64);
  stream.next_in = const_cast<Bytef*>(data.data());
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&stream, Z_FINISH);
  std::size_t produced = stream.total_out;
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) return Error::Failed("zlib could not finish the gzip stream");
  out.resize(produced);
  return out;
}

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
    case Compression::kGzip: return Gzip(data);
    case Compression::kZstd: return Zstd(data);
    case Compression::kNone: return Bytes(data.begin(), data.end());
  }
  return Error::Failed("unreachable compression");
}

}  // namespace vigil::image
