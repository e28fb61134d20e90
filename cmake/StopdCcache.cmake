# ccache (issue 19): every C and C++ compile goes through ccache when it is installed
# (scripts/install-deps.sh installs it), so a rebuild, or a fresh clone in another folder of the
# same machine, takes the objects already built instead of compiling them again.
#
#   STOPD_CCACHE=ON (default)  use ccache if found; OFF: never. CCACHE_DISABLE=1 in the
#                              environment turns it off for one build without reconfiguring.
#   A launcher given on the command line (-DCMAKE_CXX_COMPILER_LAUNCHER=...) wins.
#
# The settings a shared cache needs are given to ccache by the launcher itself, for this build
# only (nothing global changes, ~/.config/ccache/ccache.conf is left alone):
#   CCACHE_BASEDIR=<source root>  paths under the clone become relative, so the same file in
#                                 another clone hashes the same
#   CCACHE_NOHASHDIR=1            debug info's compile directory is not hashed either (the
#                                 objects then name the folder that first built them)
#   CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
#                                 with STOPD_PCH=ON only: what ccache needs to cache compiles
#                                 that use a precompiled header (no source of stopd uses
#                                 __DATE__/__TIME__); without it ccache's strict default stays
# Where the cache lives and its size are ccache's own settings: ~/.cache/ccache, 5 GB (change
# them with CCACHE_DIR and CCACHE_MAXSIZE, or `ccache --max-size`). `ccache -s` shows the hits.
option(STOPD_CCACHE "Compile through ccache when it is installed" ON)

if(STOPD_CCACHE AND NOT CMAKE_C_COMPILER_LAUNCHER AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(STOPD_CCACHE_PROGRAM ccache)
  mark_as_advanced(STOPD_CCACHE_PROGRAM)
  if(STOPD_CCACHE_PROGRAM)
    set(settings CCACHE_BASEDIR=${PROJECT_SOURCE_DIR} CCACHE_NOHASHDIR=1)
    if(STOPD_PCH)
      list(APPEND settings
           CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime)
    endif()
    set(launcher ${CMAKE_COMMAND} -E env ${settings} ${STOPD_CCACHE_PROGRAM})
    set(CMAKE_C_COMPILER_LAUNCHER ${launcher})
    set(CMAKE_CXX_COMPILER_LAUNCHER ${launcher})
    message(STATUS "ccache: ${STOPD_CCACHE_PROGRAM} (STOPD_CCACHE=OFF turns it off)")
  else()
    message(STATUS "ccache: not found, compiling without it (scripts/install-deps.sh installs it)")
  endif()
elseif(NOT STOPD_CCACHE)
  message(STATUS "ccache: off (STOPD_CCACHE=OFF)")
endif()
