# Cross build for 64-bit Windows with Debian's MinGW-w64 (g++-mingw-w64-x86-64-posix):
#   cmake -S . -B build-windows -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/x86_64-w64-mingw32.cmake
# scripts/test-windows.sh does this, fetches PCRE2 (the one compiled dependency Debian has no
# MinGW package of) and runs the tests under Wine. docs/platforms.md, "Windows", says what works.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)
set(HEARTH_MINGW_TRIPLE x86_64-w64-mingw32)

# The -posix variants: their libstdc++ implements std::thread and std::mutex on winpthreads
# (the -win32 variants of GCC 12 have no std::thread at all).
set(CMAKE_C_COMPILER ${HEARTH_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${HEARTH_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${HEARTH_MINGW_TRIPLE}-windres)

# The Windows x64 ABI aligns the stack to 16 bytes only, and GCC does not realign it for the
# 32- and 64-byte AVX spills of the kernels (GCC bug 54412): an aligned vmovaps to such a slot
# faults. The assembler turns every aligned vector move into its unaligned twin (same speed on
# aligned data on every AVX-capable CPU).
set(CMAKE_C_FLAGS_INIT "-Wa,-muse-unaligned-vector-move")
set(CMAKE_CXX_FLAGS_INIT "-Wa,-muse-unaligned-vector-move")

# Search the MinGW sysroot (and HEARTH_WINDOWS_DEPS, where scripts/test-windows.sh installs
# PCRE2) for libraries and headers, never /usr: a Linux header or library must not leak into
# a Windows build. Programs (python3, pkg-config, ...) are the host's.
set(CMAKE_FIND_ROOT_PATH /usr/${HEARTH_MINGW_TRIPLE})
# try_compile projects read this file again, in the same process: they must see the same value.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES HEARTH_WINDOWS_DEPS)
if(HEARTH_WINDOWS_DEPS)
  list(APPEND CMAKE_FIND_ROOT_PATH ${HEARTH_WINDOWS_DEPS})
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config reads only Windows .pc files (the host's would hand out Linux libraries).
set(ENV{PKG_CONFIG_LIBDIR} "/usr/${HEARTH_MINGW_TRIPLE}/lib/pkgconfig")
if(HEARTH_WINDOWS_DEPS)
  set(ENV{PKG_CONFIG_LIBDIR} "${HEARTH_WINDOWS_DEPS}/lib/pkgconfig:$ENV{PKG_CONFIG_LIBDIR}")
endif()
set(ENV{PKG_CONFIG_PATH} "")

# The GCC runtime (libgcc, libstdc++, winpthread) linked statically into every .exe and into
# hearth.dll, so that they run from the build folder, or a copy anywhere, without MinGW's DLLs.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static")

# Executables and DLLs in one folder: Windows finds a program's DLLs beside it.
set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)

# ctest, gtest_discover_tests and add_test run the .exe files through Wine (Debian's wine64)
# with its state in the build folder, console only (no display needed) and without Wine's
# debug chatter.
find_program(HEARTH_WINE NAMES wine NO_CMAKE_FIND_ROOT_PATH)
if(HEARTH_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR env WINEPREFIX=${CMAKE_BINARY_DIR}/wine WINEDEBUG=-all
      ${HEARTH_WINE})
endif()
