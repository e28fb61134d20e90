# CPACK_PRE_BUILD_SCRIPTS (cmake/StopdPackaging.cmake): runs after cpack installed each package's
# components into its staging directory, before the .deb files are made. stopd-plugin-host is
# installed by the stopd component and by the sdk component (so `cmake --install --component sdk`
# runs the conformance suite both ways); two packages cannot own one file, so the copy in
# stopd-sdk-dev goes and that package depends on stopd, which carries it.
set(sdk_copy "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/sdk${CPACK_PACKAGING_INSTALL_PREFIX}/lib/stopd/stopd-plugin-host")
set(stopd_copy "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/stopd${CPACK_PACKAGING_INSTALL_PREFIX}/lib/stopd/stopd-plugin-host")
if(NOT EXISTS "${sdk_copy}" OR NOT EXISTS "${stopd_copy}")
  message(FATAL_ERROR "deduplicate.cmake: expected stopd-plugin-host in both the stopd and the sdk "
                      "staging directories (${stopd_copy}, ${sdk_copy}); the install layout "
                      "changed, update cmake/packaging/deduplicate.cmake")
endif()
file(REMOVE "${sdk_copy}")
message(STATUS "stopd-sdk-dev: stopd-plugin-host comes from the stopd package")
