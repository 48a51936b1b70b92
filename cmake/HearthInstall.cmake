# cmake --install: headers, libhearth (shared + static), CMake package and pkg-config file.
include(CMakePackageConfigHelpers)
# Windows: hearth.dll (not MinGW's default libhearth.dll) in bin/, its import library
# (libhearth.dll.a; hearth.lib with MSVC) in lib/. The static library stays in the build tree
# there: it would need PCRE2 and the rest built for Windows by every consumer. MSVC names both
# an import and a static library hearth.lib, hence hearth_static.lib.
# macOS: the install name is @rpath/libhearth.0.dylib, so that applications find the library
# through their own rpath (where they bundle it) instead of an absolute build-time path.
set(hearth_installed hearth hearth_static)
if(WIN32)
  set_target_properties(hearth PROPERTIES PREFIX "")
  if(MSVC)
    set_target_properties(hearth_static PROPERTIES OUTPUT_NAME hearth_static)
  endif()
  set(hearth_installed hearth)
elseif(APPLE)
  set_target_properties(hearth PROPERTIES MACOSX_RPATH ON INSTALL_NAME_DIR "@rpath")
endif()
install(TARGETS ${hearth_installed} EXPORT HearthTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/capi/hearth.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/hearth DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT HearthTargets NAMESPACE Hearth:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Hearth)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/HearthConfig.cmake.in
  ${PROJECT_BINARY_DIR}/HearthConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Hearth)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/HearthConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/HearthConfig.cmake ${PROJECT_BINARY_DIR}/HearthConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Hearth)
configure_file(${PROJECT_SOURCE_DIR}/cmake/hearth.pc.in ${PROJECT_BINARY_DIR}/hearth.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/hearth.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(HEARTH_BUILD_TOOLS)
  install(TARGETS hearth_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# The Python package (python/hearth: pure Python over ctypes) into the prefix's site-packages
# (the interpreter's posix_prefix layout, e.g. lib/python3.11/site-packages), with the installed
# library's path recorded beside it (_install_paths.py) so that `import hearth` finds it without
# HEARTH_LIBRARY. `pip install python/` is the other way (docs/architecture.md).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND AND NOT WIN32)
  execute_process(
    COMMAND ${Python3_EXECUTABLE} -c
            "import sysconfig; print(sysconfig.get_path('purelib', 'posix_prefix', {'base': '', 'platbase': ''}).lstrip('/'))"
    OUTPUT_VARIABLE hearth_python_rel OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(HEARTH_PYTHON_INSTALL_DIR "${hearth_python_rel}" CACHE STRING
      "Where cmake --install puts the Python package, relative to the prefix")
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/hearth DESTINATION ${HEARTH_PYTHON_INSTALL_DIR}
          PATTERN __pycache__ EXCLUDE PATTERN _install_paths.py EXCLUDE)
  set(hearth_soname "libhearth${CMAKE_SHARED_LIBRARY_SUFFIX}.${PROJECT_VERSION_MAJOR}")
  if(APPLE)
    set(hearth_soname "libhearth.${PROJECT_VERSION_MAJOR}${CMAKE_SHARED_LIBRARY_SUFFIX}")
  endif()
  install(CODE "file(WRITE \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${HEARTH_PYTHON_INSTALL_DIR}/hearth/_install_paths.py\"
    \"# Written by cmake --install: where the matching libhearth was installed.\\nLIBRARY = r'\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/${hearth_soname}'\\n\")")
endif()
