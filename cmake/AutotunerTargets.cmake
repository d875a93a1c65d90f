# Shared target settings: warnings as errors on our code only, sanitizers in the debug preset.
set(AUTOTUNER_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)

function(autotuner_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  if(AUTOTUNER_SANITIZE)
    target_compile_options(${target} PRIVATE ${AUTOTUNER_SANITIZER_FLAGS})
    target_link_options(${target} PRIVATE ${AUTOTUNER_SANITIZER_FLAGS})
  endif()
endfunction()

# autotuner_library(NAME SOURCES... DEPS ...): one static library per area, target name autotuner_<NAME>.
function(autotuner_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(autotuner_${name} STATIC ${ARG_SOURCES})
  target_include_directories(autotuner_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(autotuner_${name} PUBLIC ${ARG_DEPS})
  autotuner_target_options(autotuner_${name})
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
