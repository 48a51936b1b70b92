// Access to the read-only shared test data (HEARTH_TEST_DATA, default ../shared).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace hearth::test {

inline std::string data_dir() {
  const char* env = std::getenv("HEARTH_TEST_DATA");
  return env && *env ? env : HEARTH_TEST_DATA;
}

inline std::string data_path(const std::string& relative) { return data_dir() + "/" + relative; }

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

}  // namespace hearth::test

// Skips the test when a shared data file is missing; in CI (CI=true) a missing file fails it.
#define HEARTH_REQUIRE_DATA(path)                                                      \
  do {                                                                                 \
    if (!std::filesystem::exists(path)) {                                              \
      if (hearth::test::in_ci()) FAIL() << "test data missing in CI: " << (path);      \
      GTEST_SKIP() << "test data not found: " << (path)                                \
                   << " (set -DHEARTH_TEST_DATA=... to the shared folder)";            \
    }                                                                                  \
  } while (0)
