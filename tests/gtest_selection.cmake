# Runs a GoogleTest binary on a filter and holds the run to its exit code and to a count, so that
# it cannot pass by accident (run by ctest, e.g. the fidelity_isa_* tests):
#   - every ':'-separated pattern of the filter must select at least one test (a renamed suite
#     fails instead of selecting nothing);
#   - the exit code must be 0 (a failure, a crash, or a sanitizer report at exit such as
#     LeakSanitizer's exit code 23 fails, even after "[  PASSED  ]" was printed);
#   - passed + skipped must equal the number of selected tests;
#   - a skipped test fails the run when CI=true; otherwise the run reports HEARTH_SKIPPED, which
#     ctest shows as a skip (SKIP_REGULAR_EXPRESSION), never as a pass;
#   - a forced ISA (HEARTH_FORCE_ISA) that the CPU lacks is reported as HEARTH_SKIPPED, also in CI:
#     the fallback kernels ran, not the named ones (docs/testing.md lists what CI cannot run).
# cmake -DEXE=<test binary> -DFILTER=<gtest filter> -P gtest_selection.cmake
if(NOT EXE OR NOT FILTER)
  message(FATAL_ERROR "usage: cmake -DEXE=... -DFILTER=... -P gtest_selection.cmake")
endif()

function(count_listed filter out_var)
  execute_process(COMMAND "${EXE}" "--gtest_filter=${filter}" --gtest_list_tests
                  OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${EXE} --gtest_list_tests exited with ${rc}")
  endif()
  # Test names are the lines indented by two spaces; suite lines are not indented.
  string(REGEX MATCHALL "\n  [^\n]+" tests "\n${listing}")
  list(LENGTH tests n)
  set(${out_var} ${n} PARENT_SCOPE)
endfunction()

string(REPLACE ":" ";" patterns "${FILTER}")
foreach(pattern IN LISTS patterns)
  count_listed("${pattern}" n)
  if(n EQUAL 0)
    message(FATAL_ERROR "the pattern '${pattern}' selects no test (renamed suite?)")
  endif()
endforeach()
count_listed("${FILTER}" listed)

execute_process(COMMAND "${EXE}" "--gtest_filter=${FILTER}" RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE out ECHO_OUTPUT_VARIABLE ECHO_ERROR_VARIABLE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} exited with '${rc}' (failed tests, a crash or a sanitizer report)")
endif()
set(passed 0)
set(skipped 0)
if(out MATCHES "\\[  PASSED  \\] ([0-9]+) test")
  set(passed ${CMAKE_MATCH_1})
endif()
if(out MATCHES "\\[  SKIPPED \\] ([0-9]+) test")
  set(skipped ${CMAKE_MATCH_1})
endif()
math(EXPR ran "${passed} + ${skipped}")
if(NOT ran EQUAL listed)
  message(FATAL_ERROR "${listed} tests selected, but ${passed} passed and ${skipped} skipped")
endif()
# HEARTH_FORCE_ISA names an ISA this CPU lacks: hearth fell back to a lower kernel set, so the
# named kernels did not run. Not a failure (no emulator here), but never shown as a pass.
if(out MATCHES "HEARTH_FORCE_ISA=([a-z0-9-]+) is not supported by this CPU; using ([a-z0-9-]+)")
  message("HEARTH_SKIPPED: this CPU lacks ${CMAKE_MATCH_1}: the tests ran the ${CMAKE_MATCH_2} "
          "kernels instead, so the ${CMAKE_MATCH_1} kernels were not executed (docs/testing.md)")
  return()
endif()
if(skipped GREATER 0)
  if("$ENV{CI}" STREQUAL "true")
    message(FATAL_ERROR "${skipped} of ${listed} tests skipped, and CI=true: a skip is a failure")
  endif()
  message("HEARTH_SKIPPED: ${skipped} of ${listed} tests skipped (${passed} passed)")
  return()
endif()
message("all ${listed} selected tests passed")
