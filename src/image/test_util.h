// Test helpers for the image module: a scratch directory and small file writers.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <string>

#include "base/file.h"

namespace vigil::image::testing {

class ScratchDir {
 public:
  ScratchDir() {
    auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-image-test-");
    EXPECT_TRUE(dir.ok());
    dir_.emplace(std::move(dir).value());
  }
  const std::filesystem::path& path() const { return dir_->path(); }
  std::filesystem::path Write(const std::string& name, const std::string& content) const {
    std::filesystem::path p = path() / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  std::optional<TempDir> dir_;
};

}  // namespace vigil::image::testing
