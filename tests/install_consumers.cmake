# Installs the build into a scratch prefix, then configures, builds and runs examples/ against it
# with find_package(Hearth REQUIRED), and checks pkg-config, as a user's project would.
set(prefix ${BUILD_DIR}/install-test/prefix)
set(consumer ${BUILD_DIR}/install-test/consumer)
file(REMOVE_RECURSE ${BUILD_DIR}/install-test)
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples -B ${consumer} -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${consumer} -j 2)
set(model ${TEST_DATA}/models/real/stories260K.gguf)
run(${consumer}/hearth_example_c ${model})
run(${consumer}/hearth_example_cpp ${model})
# The Python package installed beside the library finds it without HEARTH_LIBRARY.
if(PYTHON)
  # The same relative directory HearthInstall.cmake computes (its default).
  execute_process(COMMAND ${PYTHON} -c "import sysconfig; print(sysconfig.get_path('purelib', 'posix_prefix', {'base': '', 'platbase': ''}).lstrip('/'))"
                  OUTPUT_VARIABLE PYTHON_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)
  unset(ENV{HEARTH_LIBRARY})
  set(ENV{PYTHONPATH} ${prefix}/${PYTHON_DIR})
  run(${PYTHON} -c "import hearth, sys; assert hearth.__file__.startswith(r'${prefix}'), hearth.__file__; \
lib = hearth.lib._name; assert lib.startswith(r'${prefix}'), lib; \
m = hearth.Model(r'${model}'); print('python from the prefix:', hearth.version(), m.vocab_size, lib)")
endif()
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
run(pkg-config --exists --print-errors hearth)
run(pkg-config --cflags --libs hearth)
