# Debian packages (CPack DEB), the systemd unit, man pages and shell completions (issue 19).
#
#   cmake --build build/ci && (cd build/ci && cpack -G DEB)     # five .deb files in build/ci
#
# Packages, one per install component (or group of them):
#   stopd                     component stopd (stopd, stopctl, stopd-plugin-host, local.process
#                             and the CRI plugins, man pages, completions) and stopd_system (the
#                             unit and /etc/stopd/stopd.json). The CRI plugins need only the gRPC
#                             and protobuf libraries stopd itself needs, so they stay in.
#   stopd-plugin-huaweicloud  component huaweicloud: the three Huawei Cloud plugins; libcurl and
#                             what it pulls (HTTP/2, LDAP, Kerberos, SSH…) come only with it.
#   stopd-hwcloud-emulator    component emulator: the emulator of their APIs, its demo fixture and
#                             man page.
#   stopd-sdk-dev             component sdk: headers, the stopd-sdk CMake package,
#                             stopd-conformance.
# Depends: dpkg-shlibdeps on each package's own binaries, plus what no binary shows (the SDK's
# headers, the host a plugin needs).
#
# Paths: prefix /usr, so stopd finds its plugins and stopd-plugin-host where the build tree puts
# them relative to bin/ (/usr/lib/stopd/plugins, /usr/lib/stopd). The unit and the config have
# absolute destinations in component stopd_system, which a plain `cmake --install` (every other
# component) leaves out: only the package puts files in /lib and /etc.

# ---------------------------------------------------------------------------------------------
# Man pages (stopd.8, stopctl.1, stopd-hwcloud-emulator.1): help2man writes them at build time
# from the programs' own --help and --version (and each stopctl command's --help), so they cannot drift from the binaries. Without help2man the
# build goes on without them (AUTO) and only cpack refuses (a package without its man pages).
set(STOPD_MAN_PAGES AUTO CACHE STRING
    "Man pages from --help with help2man: AUTO (when help2man is found), ON (required), OFF")
set_property(CACHE STOPD_MAN_PAGES PROPERTY STRINGS AUTO ON OFF)
set(packaging_dir ${PROJECT_SOURCE_DIR}/cmake/packaging)

set(man_pages_built OFF)
if(NOT STOPD_MAN_PAGES STREQUAL "OFF" AND NOT STOPD_SANITIZE)
  find_program(HELP2MAN_EXECUTABLE help2man)
  find_program(GZIP_EXECUTABLE gzip)
  if(HELP2MAN_EXECUTABLE AND GZIP_EXECUTABLE)
    set(man_pages_built ON)
  elseif(STOPD_MAN_PAGES STREQUAL "ON")
    message(FATAL_ERROR "STOPD_MAN_PAGES=ON needs help2man and gzip (scripts/install-deps.sh "
                        "installs them)")
  else()
    message(STATUS "help2man not found: no man pages (packaging will refuse; "
                   "scripts/install-deps.sh installs it)")
  endif()
elseif(STOPD_MAN_PAGES STREQUAL "ON")
  message(FATAL_ERROR "STOPD_MAN_PAGES=ON, but a sanitized build (STOPD_SANITIZE) makes none")
endif()

# stopd_man_page(TARGET COMPONENT SECTION NAME INCLUDE [COMMAND...]): <output name>.<section>.gz
# in man/, installed with COMPONENT. INCLUDE: help2man's --include file in cmake/packaging, or "".
function(stopd_man_page target component section name include)
  set(program $<TARGET_FILE:${target}>)
  get_target_property(output_name ${target} OUTPUT_NAME)
  if(NOT output_name)
    set(output_name ${target})
  endif()
  set(page ${CMAKE_BINARY_DIR}/man/${output_name}.${section})
  # help2man runs its EXECUTABLE argument through the shell: the script and its arguments.
  string(JOIN " " source ${packaging_dir}/help2man-input.sh ${program} ${ARGN})
  set(include_option)
  set(include_file)
  if(include)
    set(include_option --include=${packaging_dir}/${include})
    set(include_file ${packaging_dir}/${include})
  endif()
  add_custom_command(OUTPUT ${page}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND ${HELP2MAN_EXECUTABLE} --no-info --locale=C.UTF-8 --section=${section}
            --name=${name} ${include_option} --output=${page} ${source}
    COMMAND ${GZIP_EXECUTABLE} -9nf ${page}
    DEPENDS ${target} ${packaging_dir}/help2man-input.sh ${include_file}
    COMMENT "help2man: ${output_name}(${section})"
    VERBATIM)
  add_custom_target(${target}_man_page ALL DEPENDS ${page}.gz)
  install(FILES ${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section}
          COMPONENT ${component})
endfunction()

if(man_pages_built)
  stopd_man_page(stopd stopd 8 "the stop controller's daemon: one API to stop anything safely"
                 stopd.h2m)
  stopd_man_page(stopctl stopd 1
                 "stop processes, containers and cloud jobs through stopd's plugins"
                 stopctl.h2m stop batch jobs/list jobs/show jobs/watch jobs/cancel plugins/list
                 plugins/describe plugins/validate)
  stopd_man_page(stopd-hwcloud-emulator emulator 1
                 "a local emulator of the Huawei Cloud stop APIs stopd's plugins call" "")
endif()

# ---------------------------------------------------------------------------------------------
# Completions (hand-written beside the command lines they complete), the unit and the config.
install(FILES ${PROJECT_SOURCE_DIR}/core/cli/completion/stopctl.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME stopctl
        COMPONENT stopd)
install(FILES ${PROJECT_SOURCE_DIR}/core/daemon/completion/stopd.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME stopd
        COMPONENT stopd)
install(FILES ${PROJECT_SOURCE_DIR}/core/cli/completion/_stopctl
              ${PROJECT_SOURCE_DIR}/core/daemon/completion/_stopd
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions COMPONENT stopd)
# Debian 12 keeps packaged units in /lib/systemd/system (debhelper's choice for bookworm).
install(FILES ${packaging_dir}/stopd.service DESTINATION /lib/systemd/system
        COMPONENT stopd_system EXCLUDE_FROM_ALL)
install(FILES ${packaging_dir}/stopd.json DESTINATION /etc/stopd
        COMPONENT stopd_system EXCLUDE_FROM_ALL)

# ---------------------------------------------------------------------------------------------
# CPack DEB.
set(STOPD_PACKAGE_CONTACT "stopd maintainers <maintainers@users.noreply.b-seed-d686a39b.example>"
    CACHE STRING "The Maintainer: of the Debian packages")
set(STOPD_PACKAGE_RELEASE 1 CACHE STRING "The Debian revision of the packages (VERSION-RELEASE)")
set(deb_version ${PROJECT_VERSION}-${STOPD_PACKAGE_RELEASE})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME stopd)
set(CPACK_PACKAGE_VENDOR "stopd")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${STOPD_PACKAGE_CONTACT}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL stopd stopd_system huaweicloud emulator sdk)
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_COMPONENT_STOPD_GROUP stopd)
set(CPACK_COMPONENT_STOPD_SYSTEM_GROUP stopd)
# Files both the stopd and the SDK components install (stopd-plugin-host) go to stopd alone.
set(CPACK_PRE_BUILD_SCRIPTS ${packaging_dir}/deduplicate.cmake)
# Checked when cpack starts: a package needs its man pages.
set(CPACK_STOPD_MAN_PAGES ${man_pages_built})
set(CPACK_PROJECT_CONFIG_FILE ${packaging_dir}/cpack-checks.cmake)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # NAME_VERSION-RELEASE_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE ${STOPD_PACKAGE_RELEASE})
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # each package's Depends from its own binaries
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Each package's description below starts with its own summary line (the project's one line,
# CPACK_PACKAGE_DESCRIPTION_SUMMARY, would be put before it), then lines of at most 78 characters
# (Debian's 80 with the leading space).
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")

set(CPACK_DEBIAN_STOPD_PACKAGE_NAME stopd)
set(CPACK_DEBIAN_STOPD_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_STOPD_DESCRIPTION
    "stop controller: one way to stop processes, containers and cloud jobs safely
stopd is a host daemon that stops things through plugins, one per resource
type, with the same semantics everywhere: ask nicely, wait at most the grace,
then force; stopping something already stopped is success. Every stop is a
job, journaled before it is acknowledged and resumed after a restart. stopctl
is its client.

This package holds stopd, stopctl, stopd-plugin-host, the local.process plugin
(pids, process groups, pidfiles, cgroups), the CRI plugins (containers and pod
sandboxes of containerd, CRI-O, iSulad), the systemd unit stopd.service and
/etc/stopd/stopd.json.")
set(CPACK_DEBIAN_STOPD_PACKAGE_CONTROL_EXTRA
    ${packaging_dir}/debian/postinst ${packaging_dir}/debian/prerm
    ${packaging_dir}/debian/postrm ${packaging_dir}/debian/conffiles)

set(CPACK_DEBIAN_HUAWEICLOUD_PACKAGE_NAME stopd-plugin-huaweicloud)
set(CPACK_DEBIAN_HUAWEICLOUD_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_HUAWEICLOUD_PACKAGE_DEPENDS "stopd (= ${deb_version})")
set(CPACK_DEBIAN_HUAWEICLOUD_DESCRIPTION
    "stopd plugins for Huawei Cloud CDM, DLF and FunctionGraph
The resource types huaweicloud.cdm.cluster, huaweicloud.dlf.script_instance
and huaweicloud.fgs.workflow_execution for stopd and stopctl, in
/usr/lib/stopd/plugins. Configure them in /etc/stopd/stopd.json (region or
endpoint, a token or AK/SK).")

set(CPACK_DEBIAN_EMULATOR_PACKAGE_NAME stopd-hwcloud-emulator)
set(CPACK_DEBIAN_EMULATOR_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_EMULATOR_DESCRIPTION
    "emulator of the Huawei Cloud stop APIs, to try stopd without a cloud account
stopd-hwcloud-emulator serves the CDM, DLF and FunctionGraph stop APIs and
their state reads on a local port, with state, token and AK/SK auth, fault
injection and a request log. The demo fixture is
/usr/share/stopd/emulator/demo.json.")

# The SDK's headers need nlohmann_json and Boost.DLL (>= 1.74, as stopd-sdk-config.cmake asks);
# the host refuses a plugin built against another nlohmann_json than its own (the toolchain
# tag), so that version is pinned.
set(nlohmann_next ${nlohmann_json_VERSION_MAJOR}.${nlohmann_json_VERSION_MINOR}.)
math(EXPR nlohmann_next_patch "${nlohmann_json_VERSION_PATCH} + 1")
string(APPEND nlohmann_next ${nlohmann_next_patch})
set(CPACK_DEBIAN_SDK_PACKAGE_NAME stopd-sdk-dev)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_SDK_PACKAGE_DEPENDS
    "stopd (= ${deb_version}), nlohmann-json3-dev (>= ${nlohmann_json_VERSION}), nlohmann-json3-dev (<< ${nlohmann_next}~), libboost-dev (>= 1.74)")
set(CPACK_DEBIAN_SDK_PACKAGE_RECOMMENDS "cmake (>= 3.25), g++")
set(CPACK_DEBIAN_SDK_DESCRIPTION
    "stopd plugin SDK: headers, the stopd-sdk CMake package and the conformance suite
What a plugin author builds and tests against: find_package(stopd-sdk),
stopd_add_plugin() and stopd_add_conformance_test(), the headers under
/usr/include/stopd, and stopd-conformance, which runs a plugin through the
real host in process and isolated (in stopd-plugin-host, from the stopd
package).")

include(CPack)
