# All dependencies come from Debian packages (scripts/install-deps.sh installs them).
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
# OpenSSL 3 libcrypto: AES-256-GCM, scrypt, HKDF for encrypted session files (src/crypto/).
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
# OpenBLAS: Debian's openblas-pthread variant, found through pkg-config.
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
# oneDNN: found by library and header, not through Debian's dnnl-config.cmake, which demands the
# OpenCL development files (its GPU runtime) and aborts configuration without them.
find_library(DNNL_LIBRARY dnnl REQUIRED)
find_path(DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp REQUIRED)
if(NOT TARGET DNNL::dnnl)
  add_library(DNNL::dnnl UNKNOWN IMPORTED)
  set_target_properties(DNNL::dnnl PROPERTIES IMPORTED_LOCATION "${DNNL_LIBRARY}"
                        INTERFACE_INCLUDE_DIRECTORIES "${DNNL_INCLUDE_DIR}")
endif()
if(HEARTH_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(HEARTH_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
