# `hearth chat --tools` with a template of another family than the model's (run by ctest as
# `cli_chat_tools`): Llama 3.1's template on the synthetic Qwen2 model. The forced reply must be
# written in Llama 3.1's JSON form (never shown as text), come out as one {"tool_calls": [...]}
# line, and the result read from stdin must go back through the template: the second reply's
# prompt starts with the first one (reused from the KV cache).
# Usage: cmake -DHEARTH=.../bin/hearth -DDATA=shared-folder -DWORK=dir -P cli_chat_tools.cmake
set(model "${DATA}/models/synth/qwen2-d128-q8_0.gguf")
set(tmpl "${DATA}/testdata/templates/meta-llama-Llama-3.1-8B-Instruct.jinja")
if(NOT EXISTS "${model}" OR NOT EXISTS "${tmpl}")
  if("$ENV{CI}" STREQUAL "true")
    message(FATAL_ERROR "test data missing in CI: ${model}, ${tmpl}")
  endif()
  message("HEARTH_SKIPPED: test data not found")
  return()
endif()
file(MAKE_DIRECTORY "${WORK}")
file(WRITE "${WORK}/tools.json" [=[[{"type": "function", "function": {"name": "get_weather",
  "parameters": {"type": "object", "properties": {"city": {"type": "string", "enum": ["Oslo", "Lima"]}},
  "required": ["city"], "additionalProperties": false}}}]]=])
file(WRITE "${WORK}/input.txt" "Weather in Oslo?\n{\"temp\": 3}\n")
execute_process(COMMAND "${HEARTH}" chat -m "${model}" --template "${tmpl}" -t 2 -n 200 -c 4096
                        --tools "${WORK}/tools.json" --tool-choice get_weather
                INPUT_FILE "${WORK}/input.txt" OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "hearth chat exited with ${rc}\n${out}\n${err}")
endif()
if(NOT out MATCHES "^\n?{\"tool_calls\":\\[{\"id\":\"call_[A-Za-z]+\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\\\"city\\\\\":\\\\\"(Oslo|Lima)\\\\\"}\"}}\\]}\n")
  message(FATAL_ERROR "expected the call as the first stdout line (no call text shown):\n${out}")
endif()
# The statistics of the last reply (to the result): its prompt reuses the first reply's KV.
if(NOT err MATCHES "([0-9]+) prompt tokens evaluated \\(([0-9]+) reused\\)")
  message(FATAL_ERROR "no statistics on stderr:\n${err}")
endif()
if(CMAKE_MATCH_2 LESS 100)
  message(FATAL_ERROR "the reply to the result reused only ${CMAKE_MATCH_2} tokens:\n${err}")
endif()
