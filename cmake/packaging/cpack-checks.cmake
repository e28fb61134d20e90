# CPACK_PROJECT_CONFIG_FILE (cmake/StopdPackaging.cmake): read when cpack starts. A package without
# its man pages is refused here, where the build itself only warned.
if(NOT CPACK_STOPD_MAN_PAGES)
  message(FATAL_ERROR "this build has no man pages (help2man was not found when it was "
                      "configured, or it is a sanitized build): install help2man "
                      "(scripts/install-deps.sh), configure and build again, then run cpack")
endif()
