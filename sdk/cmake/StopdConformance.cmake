# stopd_add_conformance_test(<name> PLUGIN <plugin target or .so file> FIXTURE <sources...>
#                            [ISOLATION in_process|process|both] [LINK_LIBRARIES <libraries...>]
#                            [GTEST_FILTER <filter>])
#
# Builds the fixture sources (one STOPD_CONFORMANCE_FIXTURE, see <stopd/conformance.hpp>) into a
# module and adds one ctest test per isolation mode (default both): <name>.in_process and
# <name>.process, each running stopd-conformance against the plugin and the fixture.
# GTEST_FILTER leaves rules out (--gtest_filter=-Group.Rule/*): only for a rule the backend's API
# cannot be held to, with the reason beside the call; the rules left out run for no one.
function(stopd_add_conformance_test name)
  cmake_parse_arguments(ARG "" "PLUGIN;ISOLATION;GTEST_FILTER" "FIXTURE;LINK_LIBRARIES" ${ARGN})
  if(NOT ARG_PLUGIN OR NOT ARG_FIXTURE)
    message(FATAL_ERROR "stopd_add_conformance_test(${name}): PLUGIN and FIXTURE are required")
  endif()
  if(TARGET stopd_conformance)  # in the stopd tree
    set(runner $<TARGET_FILE:stopd_conformance>)
  elseif(TARGET stopd::conformance)  # the installed SDK
    set(runner $<TARGET_FILE:stopd::conformance>)
  else()
    message(FATAL_ERROR "stopd_add_conformance_test(${name}): no stopd-conformance; install "
                        "stopd's sdk component (cmake --install <build> --component sdk)")
  endif()
  if(TARGET ${ARG_PLUGIN})
    set(plugin $<TARGET_FILE:${ARG_PLUGIN}>)
  else()
    set(plugin ${ARG_PLUGIN})
  endif()
  set(modes in_process process)
  if(ARG_ISOLATION AND NOT ARG_ISOLATION STREQUAL "both")
    set(modes ${ARG_ISOLATION})
  endif()

  add_library(${name}_fixture MODULE ${ARG_FIXTURE})
  target_link_libraries(${name}_fixture PRIVATE stopd::sdk ${ARG_LINK_LIBRARIES})
  # Apart from the plugins, so that no scan of a plugin directory takes a fixture for one.
  set_target_properties(${name}_fixture PROPERTIES CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/conformance)
  set(filter)
  if(ARG_GTEST_FILTER)
    set(filter --gtest_filter=${ARG_GTEST_FILTER})
  endif()
  foreach(mode IN LISTS modes)
    add_test(NAME ${name}.${mode} COMMAND ${runner} --plugin ${plugin}
             --fixture $<TARGET_FILE:${name}_fixture> --isolation ${mode} ${filter})
  endforeach()
endfunction()
