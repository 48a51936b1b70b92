# `--repack-cache DIR` on the CLI (run by ctest as `cli_repack_cache`) with the model shipped in
# models/: the first run writes one cache file, the second maps it, and both give the logits of
# a run without the cache, byte for byte; a directory that cannot be written gives a warning on
# stderr and the same logits; the flag without a value is a usage error.
# Usage: cmake -DHEARTH=.../bin/hearth -DMODEL=...gguf -DWORK=dir -P cli_repack_cache.cmake
if(NOT EXISTS "${MODEL}")  # models/ ships with the repository: a missing model is a failure
  message(FATAL_ERROR "model not found: ${MODEL}")
endif()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

function(run_logits out_file)  # run_logits(file [flags...]): logits after a 3-token prompt
  execute_process(COMMAND "${HEARTH}" run -m "${MODEL}" --ids 1,2,3 -n 1 --temp 0 -t 1
                          --logits-out "${out_file}" ${ARGN}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "hearth run ${ARGN} exited with ${rc}\n${err}")
  endif()
  set(stderr "${err}" PARENT_SCOPE)
endfunction()

run_logits("${WORK}/plain.f32")
file(SHA256 "${WORK}/plain.f32" want)
foreach(pass first second)
  run_logits("${WORK}/${pass}.f32" --repack-cache "${WORK}/cache")
  file(SHA256 "${WORK}/${pass}.f32" got)
  if(NOT got STREQUAL want)
    message(FATAL_ERROR "logits through the cache (${pass} run) differ from a run without it")
  endif()
  file(GLOB caches "${WORK}/cache/*.hearth-r16")
  list(LENGTH caches n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "expected one cache file after the ${pass} run, found ${n}: ${caches}")
  endif()
endforeach()

# A directory whose parent does not exist cannot be made; a plain file is no directory of ours.
run_logits("${WORK}/unwritable.f32" "--repack-cache=${WORK}/no/such/dir")
file(SHA256 "${WORK}/unwritable.f32" got)
if(NOT got STREQUAL want OR NOT stderr MATCHES "repack cache: cannot write")
  message(FATAL_ERROR "an unwritable cache directory: want the same logits and a warning\n${stderr}")
endif()
file(WRITE "${WORK}/not-a-dir" "x")
run_logits("${WORK}/not-a-dir.f32" "--repack-cache=${WORK}/not-a-dir")
file(SHA256 "${WORK}/not-a-dir.f32" got)
if(NOT got STREQUAL want OR NOT stderr MATCHES "repack cache: cannot use")
  message(FATAL_ERROR "a file as the cache directory: want the same logits and a warning\n${stderr}")
endif()

execute_process(COMMAND "${HEARTH}" run -m "${MODEL}" --ids 1 -n 1 --repack-cache
                OUTPUT_QUIET ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 2 OR NOT err MATCHES "needs a directory")
  message(FATAL_ERROR "--repack-cache without a value: want exit 2 and a message, got ${rc}\n${err}")
endif()
