# `hearth template` on a shared template: the first case of templates-cases.json, written as a
# CONV.json object, must render byte for byte what Jinja2 rendered; a template that raises must
# exit non-zero with the message on stderr and nothing on stdout.
# -DHEARTH=<hearth binary> -DTEST_DATA=<shared folder> -DWORK=<scratch folder>
set(templates "${TEST_DATA}/testdata/templates")
if(NOT EXISTS "${templates}/Qwen-Qwen2.5-7B-Instruct.jinja")
  if("$ENV{CI}" STREQUAL "true")
    message(FATAL_ERROR "test data missing in CI: ${templates}")
  endif()
  message(STATUS "test data not found: skipped")
  return()
endif()
file(READ "${TEST_DATA}/testdata/templates-cases.json" cases)
string(JSON first GET "${cases}" 0)
string(JSON name GET "${first}" name)
file(MAKE_DIRECTORY "${WORK}")
file(WRITE "${WORK}/conv.json" "${first}")  # {"name", "add_generation_prompt", "messages"}

foreach(stem Qwen-Qwen2.5-7B-Instruct ibm-granite-granite-3.3-2B-Instruct)
  execute_process(
    COMMAND "${HEARTH}" template --template "${templates}/${stem}.jinja" --messages "${WORK}/conv.json"
            --bos "<|bos|>" --eos "<|eos|>" --now 1767323045
    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "hearth template ${stem} failed (${rc}): ${err}")
  endif()
  file(READ "${TEST_DATA}/testdata/templates-expected/${stem}.${name}.txt" expected)
  if(NOT out STREQUAL expected)
    message(FATAL_ERROR "hearth template ${stem}: output differs\n--- got ---\n${out}\n--- expected ---\n${expected}")
  endif()
endforeach()

file(WRITE "${WORK}/raise.jinja" "{{ raise_exception('no such role: ' ~ messages[0].role) }}")
execute_process(
  COMMAND "${HEARTH}" template --template "${WORK}/raise.jinja" --messages "${WORK}/conv.json"
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(rc EQUAL 0 OR NOT out STREQUAL "" OR NOT err MATCHES "no such role: system")
  message(FATAL_ERROR "a raising template must fail with its message (rc ${rc}, stdout '${out}', stderr '${err}')")
endif()
message(STATUS "hearth template: renderings match")
