# Cross build for 64-bit ARM Linux (AArch64) with Debian's g++-aarch64-linux-gnu and the
# dependencies' :arm64 packages (multiarch; scripts/test-arm64.sh installs them):
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
# Test binaries run under qemu-aarch64 (Debian's qemu-user): CMAKE_CROSSCOMPILING_EMULATOR lets
# ctest and gtest_discover_tests start them, with qemu's library prefix (-L) at the arm64 loader
# and libraries.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Libraries only from the arm64 multiarch folders; headers from /usr/include (shared by every
# architecture on Debian); programs (protoc, python...) from the build machine.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# pkg-config must read the arm64 .pc files, not the build machine's.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Debian's libdnnl-dev is not co-installable across architectures (its dnnl_config.h differs),
# so only the arm64 runtime library (libdnnl2:arm64) is present; hearth calls no oneDNN
# function, so the amd64 headers and the versioned library satisfy the link.
if(NOT DEFINED DNNL_LIBRARY AND EXISTS /usr/lib/aarch64-linux-gnu/libdnnl.so.2)
  set(DNNL_LIBRARY /usr/lib/aarch64-linux-gnu/libdnnl.so.2 CACHE FILEPATH "oneDNN (arm64)")
endif()

# The prefix is / when the multiarch C library (libc6:arm64, which the :arm64 packages above pull
# in) is installed: the binaries load those packages' libraries from /lib/aarch64-linux-gnu, and
# that libc must come with its own loader. With /usr/aarch64-linux-gnu (the cross compiler's
# libc6-arm64-cross, a different Debian build of glibc 2.36) the loader of one build runs the
# libc of the other, and every pthread_create spins forever (a 3-line std::thread program hangs).
find_program(HEARTH_QEMU_AARCH64 qemu-aarch64)
if(EXISTS /lib/aarch64-linux-gnu/ld-linux-aarch64.so.1)
  set(HEARTH_QEMU_LD_PREFIX /)
else()
  set(HEARTH_QEMU_LD_PREFIX /usr/aarch64-linux-gnu)
endif()
if(HEARTH_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HEARTH_QEMU_AARCH64};-L;${HEARTH_QEMU_LD_PREFIX})
endif()
