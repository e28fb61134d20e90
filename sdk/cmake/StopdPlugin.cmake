# stopd_add_plugin(<target> SOURCES <files...> [OUTPUT_DIRECTORY <dir>])
#
# Builds one stopd plugin: a shared library that exports only its descriptor, resolves every
# symbol at link time, and keeps its internals hidden.
function(stopd_add_plugin target)
  # plugin.map sits beside this file, in the source tree and in the installed package alike.
  set(_STOPD_PLUGIN_MAP "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/plugin.map")
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "stopd_add_plugin(${target}): SOURCES is required")
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE stopd::sdk)
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${_STOPD_PLUGIN_MAP}")
  target_link_options(${target} PRIVATE
    "LINKER:--no-undefined" "LINKER:--version-script=${_STOPD_PLUGIN_MAP}")
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  endif()
endfunction()
