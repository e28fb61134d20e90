# The allocator of stopd's executables (stopd, stopctl, stopd-plugin-host) and of the benchmarks
# that measure them: tcmalloc (gperftools' minimal build, Debian's libgoogle-perftools-dev) by
# default, or the system's (glibc) with -DSTOPD_ALLOCATOR=system, the default of sanitizer and fuzz
# builds (their runtimes replace malloc themselves).
#
# Why: a stop is allocated by the thread that submits it and freed by the one that completes it
# (an isolated plugin's session thread, a plugin's own thread, a gRPC handler). glibc's malloc
# returns such a block to the arena of the thread that allocated it, under that arena's lock, which
# the allocating thread keeps taking too; tcmalloc's per-thread caches take it back without one.
# Measured with stopd_bench_isolation --only 2 and stopd_bench_daemon_memory (README, Performance).
if(STOPD_SANITIZE OR STOPD_FUZZ)
  set(stopd_default_allocator system)
else()
  set(stopd_default_allocator tcmalloc)
endif()
set(STOPD_ALLOCATOR "${stopd_default_allocator}" CACHE STRING "The executables' allocator: tcmalloc or system")
set_property(CACHE STOPD_ALLOCATOR PROPERTY STRINGS tcmalloc system)

if(STOPD_ALLOCATOR STREQUAL "tcmalloc")
  find_library(STOPD_TCMALLOC_LIBRARY NAMES tcmalloc_minimal)
  if(NOT STOPD_TCMALLOC_LIBRARY)
    message(FATAL_ERROR "tcmalloc_minimal not found: apt-get install libgoogle-perftools-dev "
                        "(scripts/install-deps.sh), or configure with -DSTOPD_ALLOCATOR=system")
  endif()
elseif(NOT STOPD_ALLOCATOR STREQUAL "system")
  message(FATAL_ERROR "STOPD_ALLOCATOR is '${STOPD_ALLOCATOR}': expected tcmalloc or system")
endif()

# Links `target` (an executable) with the chosen allocator. STOPD_SYSTEM_ALLOCATOR tells the code
# when glibc's malloc is the one in use (stopd tunes its arenas then).
function(stopd_link_allocator target)
  if(STOPD_ALLOCATOR STREQUAL "tcmalloc")
    # --no-as-needed: nothing names tcmalloc, it replaces malloc; the linker must keep it.
    target_link_libraries(${target} PRIVATE -Wl,--no-as-needed ${STOPD_TCMALLOC_LIBRARY}
                                            -Wl,--as-needed)
  else()
    target_compile_definitions(${target} PRIVATE STOPD_SYSTEM_ALLOCATOR)
  endif()
endfunction()
