# Compiler warnings and sanitizers, applied to every hearth target through hearth_warnings.
add_library(hearth_warnings INTERFACE)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(hearth_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter
                         $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor>)
  if(HEARTH_WERROR)
    target_compile_options(hearth_warnings INTERFACE -Werror)
  endif()
endif()

if(HEARTH_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# Fuzz builds instrument the library itself for coverage: without it libFuzzer sees only the
# edges of the small target files (20-45) and mutates blind. fuzzer-no-link adds the coverage
# callbacks without libFuzzer's main(); only the fuzz targets link -fsanitize=fuzzer.
if(HEARTH_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(HEARTH_TSAN)
  if(HEARTH_SANITIZE)
    message(FATAL_ERROR "HEARTH_TSAN and HEARTH_SANITIZE cannot be combined")
  endif()
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

# Flags for the per-ISA kernel files (never -march=native: the library must run on any x86-64).
set(HEARTH_AVX2_FLAGS -mavx2 -mfma -mf16c)
# AVX-VNNI: the VEX-encoded 256-bit vpdpbusd (Alder Lake and later, Zen 5) on top of AVX2.
set(HEARTH_AVXVNNI_FLAGS -mavx2 -mfma -mf16c -mavxvnni)
set(HEARTH_AVX512_FLAGS -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512dq
    -mavx512vnni -mavx512bf16)
# No implicit a*b+c contraction in the kernel files: with -mfma GCC would fuse plain expressions
# (and intrinsic multiplies followed by adds), making results differ from the portable code in
# ways nobody wrote down. Kernels fuse only where they call an fma intrinsic.
list(APPEND HEARTH_AVX2_FLAGS -ffp-contract=off)
list(APPEND HEARTH_AVXVNNI_FLAGS -ffp-contract=off)
list(APPEND HEARTH_AVX512_FLAGS -ffp-contract=off)
# GCC 12's AVX-512 intrinsic headers start some results from _mm512_undefined_*(), which it then
# reports as uninitialized under -Werror (GCC bug 105593); the reports are false.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND HEARTH_AVX512_FLAGS -Wno-uninitialized -Wno-maybe-uninitialized)
endif()
