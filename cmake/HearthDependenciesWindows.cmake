# Dependencies of the Windows build (included by HearthDependencies.cmake). Debian has no MinGW
# package of fmt, nlohmann-json, Eigen, PCRE2, OpenSSL, OpenBLAS, oneDNN or GoogleTest, so:
#   - the header-only ones (nlohmann-json, Eigen, fmt in header-only mode) come from the host's
#     Debian packages, through a folder of links to exactly their folders: adding /usr/include
#     itself would let Linux headers (unistd.h, pthread.h, pcre2.h, ...) into a Windows build;
#   - PCRE2 (the tokenizers' pre-tokenizer regexes, the safety filter) is required: built from
#     Debian's source package by scripts/test-windows.sh into HEARTH_WINDOWS_DEPS, found there
#     through its pkg-config file (the toolchain points pkg-config at that folder only);
#   - OpenSSL is optional: without it encrypted session files (src/crypto/) report
#     kUnsupported (src/platform/crypto_unavailable.cpp) and `hearth serve` is not built;
#   - oneDNN is optional (F32/BF16 batched matmul, opt-in); OpenBLAS is not used at all;
#   - GoogleTest is compiled from Debian's sources in /usr/src/googletest (libgtest-dev).
# A native Windows toolchain (MSVC with vcpkg, MSYS2) finds its own packages first.
set(HEARTH_HOST_INCLUDE_DIR /usr/include CACHE PATH
    "Where the host's header-only libraries (fmt, nlohmann, eigen3) live")
set(_hearth_header_links ${CMAKE_BINARY_DIR}/host-header-only)

# Makes target `name` an interface target whose include folder holds links to `folders`
# (each relative to HEARTH_HOST_INCLUDE_DIR), and nothing else of the host's.
function(hearth_host_header_only name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "FOLDERS;DEFINES")
  string(MAKE_C_IDENTIFIER ${name} dir)
  set(dir ${_hearth_header_links}/${dir})
  foreach(f IN LISTS arg_FOLDERS)
    get_filename_component(link_name ${f} NAME)
    if(NOT EXISTS ${HEARTH_HOST_INCLUDE_DIR}/${f})
      message(FATAL_ERROR "${name}: ${HEARTH_HOST_INCLUDE_DIR}/${f} not found "
                          "(scripts/install-deps.sh installs the Debian package)")
    endif()
    file(MAKE_DIRECTORY ${dir})
    file(CREATE_LINK ${HEARTH_HOST_INCLUDE_DIR}/${f} ${dir}/${link_name} SYMBOLIC)
  endforeach()
  add_library(${name} INTERFACE IMPORTED GLOBAL)
  set_target_properties(${name} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${dir}
                        INTERFACE_COMPILE_DEFINITIONS "${arg_DEFINES}")
endfunction()

find_package(fmt QUIET)
if(NOT fmt_FOUND)
  hearth_host_header_only(fmt::fmt FOLDERS fmt DEFINES FMT_HEADER_ONLY=1)
endif()
find_package(nlohmann_json 3.10 QUIET)
if(NOT nlohmann_json_FOUND)
  hearth_host_header_only(nlohmann_json::nlohmann_json FOLDERS nlohmann)
endif()
find_package(Eigen3 3.4 QUIET NO_MODULE)
if(NOT Eigen3_FOUND)
  hearth_host_header_only(Eigen3::Eigen FOLDERS eigen3/Eigen eigen3/unsupported)
endif()

find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 IMPORTED_TARGET libpcre2-8)
if(NOT PCRE2_FOUND)
  message(FATAL_ERROR "PCRE2 for Windows not found: scripts/test-windows.sh builds it from "
                      "Debian's source package; pass its prefix as -DHEARTH_WINDOWS_DEPS=...")
endif()
# Static library: its header must not declare the functions dllimport (PCRE2's .pc omits this).
set_property(TARGET PkgConfig::PCRE2 APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS PCRE2_STATIC)
set(HEARTH_LIBRARY_DEPS fmt::fmt PkgConfig::PCRE2)

find_package(OpenSSL 3 QUIET COMPONENTS Crypto)
if(OpenSSL_FOUND)
  set(HEARTH_HAS_OPENSSL ON)
  list(APPEND HEARTH_LIBRARY_DEPS OpenSSL::Crypto)
else()
  set(HEARTH_HAS_OPENSSL OFF)
  message(STATUS "OpenSSL not found: encrypted session files report 'unsupported' in this build")
endif()

if(HEARTH_BUILD_TESTS)
  find_package(GTest QUIET)
  if(NOT GTest_FOUND)
    set(HEARTH_GTEST_SOURCE_DIR /usr/src/googletest/googletest CACHE PATH
        "GoogleTest sources, compiled with the cross compiler (Debian: libgtest-dev)")
    set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
    add_subdirectory(${HEARTH_GTEST_SOURCE_DIR} ${CMAKE_BINARY_DIR}/googletest EXCLUDE_FROM_ALL)
    if(NOT TARGET GTest::gtest)  # GoogleTest 1.11+ defines these itself
      add_library(GTest::gtest ALIAS gtest)
      add_library(GTest::gtest_main ALIAS gtest_main)
    endif()
  endif()
endif()
if(HEARTH_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
