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

# The CPU family the kernels are built for: x86_64 (the avx* folders), aarch64 (src/kernels/neon/)
# or anything else (scalar kernels only).
# (A toolchain file that names no processor builds for the build machine's.)
set(hearth_processor "${CMAKE_SYSTEM_PROCESSOR}")
if(NOT hearth_processor)
  set(hearth_processor "${CMAKE_HOST_SYSTEM_PROCESSOR}")
endif()
if(hearth_processor MATCHES "^(x86_64|AMD64|amd64)$")
  set(HEARTH_ARCH x86_64)
elseif(hearth_processor MATCHES "^(aarch64|arm64|ARM64)$")
  set(HEARTH_ARCH aarch64)
else()
  set(HEARTH_ARCH other)
endif()
if(HEARTH_ARCH STREQUAL "aarch64")
  # NEON is part of the AArch64 baseline; the dot-product (sdot/udot, Armv8.2 optional, Armv8.4
  # mandatory) and int8 matrix-multiply (smmla, Armv8.6) kernels get their extension only in their
  # own files (src/kernels/neon/*_dotprod.cpp, *_i8mm.cpp), run only when the CPU reports it.
  set(HEARTH_NEON_DOTPROD_FLAGS -march=armv8.2-a+dotprod)
  set(HEARTH_NEON_I8MM_FLAGS -march=armv8.2-a+dotprod+i8mm)
  # Every AArch64 core has fmadd, so GCC (which contracts a*b+c by default in C++) would fuse
  # portable expressions that stay separate on x86-64's baseline: the scalar reference, the
  # quantizers and the samplers would then give other bits than on x86. No contraction anywhere;
  # kernels fuse only where they call an fma intrinsic (as with -ffp-contract=off on x86 above).
  add_compile_options(-ffp-contract=off)
endif()
