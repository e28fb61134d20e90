# The linker every target of this project links with (STOPD_LINKER):
#   auto    mold if the compiler can use it, else lld, else the compiler's default (GNU ld)
#   mold, lld, bfd, gold   that one, or configuring fails: a preset that names one (ci, asan,
#           fuzz) never falls back silently to a slower linker
#   default the compiler's default, no -fuse-ld
# mold (scripts/install-deps.sh installs it) links the test executables, which carry gRPC,
# protobuf and abseil, several times faster than GNU ld.
set(STOPD_LINKER "auto" CACHE STRING "Linker: auto, mold, lld, bfd, gold or default")
set_property(CACHE STOPD_LINKER PROPERTY STRINGS auto mold lld bfd gold default)

include(CheckLinkerFlag)
# stopd_linker_works(<linker> <result-var>): whether the C++ compiler links with -fuse-ld=<linker>.
function(stopd_linker_works linker result)
  check_linker_flag(CXX "-fuse-ld=${linker}" STOPD_LINKER_${linker}_WORKS)
  set(${result} ${STOPD_LINKER_${linker}_WORKS} PARENT_SCOPE)
endfunction()

set(_stopd_linker "")
if(STOPD_LINKER STREQUAL "auto")
  foreach(candidate mold lld)
    stopd_linker_works(${candidate} works)
    if(works)
      set(_stopd_linker ${candidate})
      break()
    endif()
  endforeach()
elseif(NOT STOPD_LINKER STREQUAL "default")
  stopd_linker_works(${STOPD_LINKER} works)
  if(NOT works)
    message(FATAL_ERROR "STOPD_LINKER=${STOPD_LINKER}, but ${CMAKE_CXX_COMPILER} cannot link with "
                        "-fuse-ld=${STOPD_LINKER}: run scripts/install-deps.sh, or configure with "
                        "-DSTOPD_LINKER=default")
  endif()
  set(_stopd_linker ${STOPD_LINKER})
endif()
if(_stopd_linker)
  add_link_options(-fuse-ld=${_stopd_linker})
  message(STATUS "Linker: ${_stopd_linker} (STOPD_LINKER=${STOPD_LINKER})")
else()
  message(STATUS "Linker: the compiler's default (STOPD_LINKER=${STOPD_LINKER})")
endif()
