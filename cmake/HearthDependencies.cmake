# All dependencies come from Debian packages (scripts/install-deps.sh installs them).
# HEARTH_LIBRARY_DEPS: what libhearth links privately (src/CMakeLists.txt).
find_package(Threads REQUIRED)
if(WIN32)
  # Windows (the MinGW cross build, cmake/toolchains/x86_64-w64-mingw32.cmake) has its own
  # rules: Debian packages none of these libraries for MinGW.
  include(${CMAKE_CURRENT_LIST_DIR}/HearthDependenciesWindows.cmake)
  return()
endif()
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
# OpenSSL 3 libcrypto: AES-256-GCM, scrypt, HKDF for encrypted session files (src/crypto/).
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
set(HEARTH_HAS_OPENSSL ON)
set(HEARTH_LIBRARY_DEPS fmt::fmt PkgConfig::PCRE2 OpenSSL::Crypto)
# oneDNN (x86-64): the matmul of F32/BF16 weights on batches of tokens, where it was measured
# faster than hearth's kernels (src/kernels/onednn/, docs/architecture.md "Third-party
# libraries"); without it those stay with hearth's kernels. Found by library and header, not
# through Debian's dnnl-config.cmake, which demands the OpenCL development files (its GPU
# runtime) and aborts configuration without them.
find_library(DNNL_LIBRARY dnnl)
find_path(DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp)
if(DNNL_LIBRARY AND DNNL_INCLUDE_DIR AND HEARTH_ARCH STREQUAL "x86_64")
  if(NOT TARGET DNNL::dnnl)
    add_library(DNNL::dnnl UNKNOWN IMPORTED)
    set_target_properties(DNNL::dnnl PROPERTIES IMPORTED_LOCATION "${DNNL_LIBRARY}"
                          INTERFACE_INCLUDE_DIRECTORIES "${DNNL_INCLUDE_DIR}")
  endif()
  set(HEARTH_HAS_ONEDNN ON)
  list(APPEND HEARTH_LIBRARY_DEPS DNNL::dnnl ${CMAKE_DL_LIBS})
  set(HEARTH_PC_ONEDNN "-ldnnl ")  # for hearth.pc's Libs.private
  if(CMAKE_DL_LIBS)
    string(APPEND HEARTH_PC_ONEDNN "-l${CMAKE_DL_LIBS} ")
  endif()
else()
  set(HEARTH_HAS_ONEDNN OFF)
  message(STATUS "oneDNN not used (not found, or not x86-64): hearth's kernels do every matmul")
endif()
# The knowledge base (src/kb/, docs/kb.md): SQLite 3 with FTS5 and libxml2's HTML parser.
find_package(SQLite3 REQUIRED)
find_package(LibXml2 REQUIRED)
list(APPEND HEARTH_LIBRARY_DEPS SQLite::SQLite3 LibXml2::LibXml2)
set(HEARTH_HAS_KB ON)
if(HEARTH_BUILD_TESTS)
  find_package(GTest REQUIRED)
  # Header-only, for the tests' independent reference forward pass (tests/reference/).
  find_package(Eigen3 3.4 REQUIRED NO_MODULE)
endif()
if(HEARTH_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
