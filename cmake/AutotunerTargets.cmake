# Shared target settings: warnings as errors on our code only, sanitizers in the debug preset.
set(AUTOTUNER_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
# The fuzz preset (clang): every library gets libFuzzer's coverage instrumentation besides the sanitizers.
option(AUTOTUNER_FUZZ "Build the libFuzzer targets (needs clang)" OFF)
if(AUTOTUNER_FUZZ)
  set(AUTOTUNER_SANITIZE ON)
  list(PREPEND AUTOTUNER_SANITIZER_FLAGS -fsanitize=fuzzer-no-link)
  # clang cannot default task/parse.h's Diagnostic::operator== (SourceMark has no ==; gcc accepts it). Only
  # the unit tests compare diagnostics, and they are built with gcc, never in this preset.
  list(APPEND AUTOTUNER_SANITIZER_FLAGS -Wno-defaulted-function-deleted)
endif()

function(autotuner_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  if(AUTOTUNER_SANITIZE)
    target_compile_options(${target} PRIVATE ${AUTOTUNER_SANITIZER_FLAGS})
    target_link_options(${target} PRIVATE ${AUTOTUNER_SANITIZER_FLAGS})
  endif()
endfunction()

# Product code compiles as unity batches: the headers every file includes (libstdc++, nlohmann-json, fmt,
# CLI11's inline definitions) are parsed and instantiated once per batch instead of once per file, which
# more than halves the build. Names private to a .cc file must therefore be unique within its area (the
# build fails on a clash). -DAUTOTUNER_UNITY=OFF builds file by file (one-file rebuilds while editing).
option(AUTOTUNER_UNITY "Compile libraries and mains as unity batches" ON)
set(AUTOTUNER_UNITY_BATCH 8 CACHE STRING "Source files per unity batch")
function(autotuner_unity target)
  if(AUTOTUNER_UNITY)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${AUTOTUNER_UNITY_BATCH})
    # In a batch every .cc is an included file, so gcc warns about anonymous-namespace types in classes as if
    # they were in a header.
    target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-subobject-linkage>)
  endif()
endfunction()

# autotuner_library(NAME SOURCES... DEPS ...): one static library per area, target name autotuner_<NAME>.
function(autotuner_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(autotuner_${name} STATIC ${ARG_SOURCES})
  target_include_directories(autotuner_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(autotuner_${name} PUBLIC ${ARG_DEPS})
  autotuner_target_options(autotuner_${name})
  autotuner_unity(autotuner_${name})
endfunction()

# Registers unit-test sources (and the libraries they need) for the single unit-test binary.
function(autotuner_add_tests)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  foreach(src ${ARG_SOURCES})
    set_property(GLOBAL APPEND PROPERTY AUTOTUNER_TEST_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/${src})
  endforeach()
  set_property(GLOBAL APPEND PROPERTY AUTOTUNER_TEST_DEPS ${ARG_DEPS})
  # The same tests as one area's own binary, built only on request (`--target autotuner_<area>_tests`): on a
  # small shared machine a change to one area need not compile every area's tests. CTest runs the full binary.
  get_filename_component(area ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  add_executable(autotuner_${area}_tests EXCLUDE_FROM_ALL ${ARG_SOURCES})
  target_link_libraries(autotuner_${area}_tests PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(autotuner_${area}_tests PRIVATE AUTOTUNER_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  autotuner_target_options(autotuner_${area}_tests)
endfunction()

# autotuner_add_fuzzer(NAME SOURCES... DEPS... SEEDS dirs...): a libFuzzer target, built in the fuzz preset
# (target autotuner_fuzzers); every other tree registers its smoke run (label fuzz) against the fuzz tree's
# binary, AUTOTUNER_FUZZ_BIN_DIR, which scripts/test.sh builds.
if(AUTOTUNER_FUZZ AND NOT TARGET autotuner_fuzzers)
  add_custom_target(autotuner_fuzzers)
endif()
set(AUTOTUNER_FUZZ_BIN_DIR "" CACHE PATH "Where the fuzz preset puts its fuzzers (smoke tests run them)")
# The first source holds the target's body (core/fuzz_entry.h); outside the fuzz preset it joins the unit-test
# binary, whose FuzzReplay tests run the seeds through it with gcc's sanitizers.
function(autotuner_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;SEEDS" ${ARGN})
  if(AUTOTUNER_FUZZ)
    add_executable(${name} EXCLUDE_FROM_ALL ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS})
    target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src)
    target_compile_definitions(${name} PRIVATE AUTOTUNER_FUZZ_ENTRY)
    autotuner_target_options(${name})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    add_dependencies(autotuner_fuzzers ${name})
    return()
  endif()
  list(GET ARG_SOURCES 0 body)
  set_property(GLOBAL APPEND PROPERTY AUTOTUNER_TEST_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/${body})
  if(AUTOTUNER_FUZZ_BIN_DIR)
    add_test(NAME fuzz.${name}
      COMMAND ${CMAKE_SOURCE_DIR}/tests/fuzz/run_fuzzer.sh ${AUTOTUNER_FUZZ_BIN_DIR}/${name}
              ${CMAKE_BINARY_DIR}/fuzz-artifacts/${name} ${ARG_SEEDS})
    set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 300)
  endif()
endfunction()
