# Unity builds (STOPD_UNITY_BUILD, on in the presets ci, asan and fuzz): each target listed below
# compiles its sources in batches of STOPD_UNITY_BUILD_BATCH_SIZE, one compiler run per batch, so
# the heavy headers (nlohmann/json, gRPC, gtest, spdlog) are parsed and their templates
# instantiated once per batch instead of once per file. CI builds three presets from scratch on
# two cores; this is most of their time.
#
# Opt-in per target, so a new target or a new file never breaks because of a unity build it was
# not written for. A source that does not compile batched with its neighbours (an anonymous-
# namespace helper of the same name as another file's, a type with internal linkage inside a
# class, which GCC's -Wsubobject-linkage refuses in an included file) is listed in
# STOPD_UNITY_BUILD_SKIP and compiled on its own. A new source of a listed target that clashes the
# same way: rename the helper, or add the file to STOPD_UNITY_BUILD_SKIP.
option(STOPD_UNITY_BUILD "Compile the targets in STOPD_UNITY_BUILD_TARGETS as unity builds" OFF)
set(STOPD_UNITY_BUILD_BATCH_SIZE 8 CACHE STRING "Sources per unity batch")

set(STOPD_UNITY_BUILD_TARGETS
  # libraries
  stopd_core stopd_batch stopd_cli stopd_api stopd_jobs stopd_auth stopd_metrics stopd_daemon_config
  stopd_process_impl stopd_hwcloud_client stopd_hwcloud_emulator_core stopd_hwcloud_cdm_impl
  stopd_hwcloud_dlf_impl stopd_hwcloud_fgs_impl stopd_cri_client stopd_cri_container_impl
  stopd_cri_pod_sandbox_impl stopd_fuzz_schemas stopd_test_support stopd_cri_harness
  # tests
  stopd_unit_tests stopd_e2e_tests stopd_client_e2e_tests stopd_batch_unit_tests stopd_jobs_tests
  stopd_daemon_unit_tests
  stopd_process_integration_tests stopd_host_integration_tests stopd_hwcloud_integration_tests
  stopd_cri_integration_tests stopd_daemon_e2e_tests)

# Compiled on their own (paths relative to the source root), each for the reason given.
set(STOPD_UNITY_BUILD_SKIP
  core/src/dispatcher.cpp                    # subobject-linkage: Dispatcher::State
  core/jobs/src/batch_manager.cpp            # subobject-linkage: BatchRun::watchers_
  core/jobs/src/job_store.cpp                # subobject-linkage: JobStore::Impl::queue
  core/src/isolation/isolated_provider.cpp   # subobject-linkage: IsolatedProvider::State
  core/src/isolation/plugin_host_service.cpp # Stream (the server's; the provider's is the client's)
  core/src/isolation/plugin_process.cpp      # environ
  core/src/isolation/wire.cpp                # its own namespace
  core/cli/src/since_argument.cpp            # kMaxSeconds
  plugins/huaweicloud/emulator/src/fixture.cpp  # fail()
  tests/integration/cri/support/private_containerd.cpp  # read_text()
  tests/e2e/daemon/hostile_input_test.cpp    # kOps
  tests/unit/jobs/job_manager_wait_test.cpp  # kJobs shadows another file's
)

# The batch files are written here rather than by CMake's UNITY_BUILD, whose batches include each
# source by its absolute path. ccache (cmake/StopdCcache.cmake) hashes a batch's text, so in a
# clone in another folder it could find a batch only by running the preprocessor first, and not
# always then (ci preset, a second clone, of 153 compiles: 93 direct hits, 37 hits after the
# preprocessor, 23 misses; with these batches, of 154: 125, 8 and 21, the misses being test
# sources that compile the clone's paths in, -DSTOPD_TEST_CHILD="/path/to/clone/..." and the like). These batches include each source by its path relative to the batch
# file, the same in every clone that builds in its own build/<preset>. They are UNITY_BUILD's
# batches: the target's C++ sources in their order, STOPD_UNITY_BUILD_BATCH_SIZE at a time,
# without the skipped and generated ones and those with compile flags of their own, which are
# compiled on their own. The batch files replace the sources in the target only: the files
# themselves are left alone, and another target that compiles one of them compiles it as before.
function(stopd_unity_build target)
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  get_target_property(binary_dir ${target} BINARY_DIR)
  set(skip)
  foreach(source IN LISTS STOPD_UNITY_BUILD_SKIP)
    list(APPEND skip ${PROJECT_SOURCE_DIR}/${source})
  endforeach()
  set(unity_dir ${binary_dir}/stopd_unity/${target})
  set(kept)
  set(batch)
  set(batch_files)
  set(index 0)
  list(LENGTH sources count)
  foreach(source IN LISTS sources)
    set(include_it OFF)
    if(NOT source MATCHES "\\$<" AND source MATCHES "\\.(cpp|cc|cxx)$")
      cmake_path(ABSOLUTE_PATH source BASE_DIRECTORY ${source_dir} NORMALIZE OUTPUT_VARIABLE path)
      get_source_file_property(generated ${path} TARGET_DIRECTORY ${target} GENERATED)
      # As UNITY_BUILD does: a source with flags of its own is compiled on its own, with them.
      set(own_flags)
      foreach(property IN ITEMS COMPILE_OPTIONS COMPILE_DEFINITIONS COMPILE_FLAGS
                                INCLUDE_DIRECTORIES)
        get_source_file_property(value ${path} TARGET_DIRECTORY ${target} ${property})
        if(value)
          set(own_flags ON)
        endif()
      endforeach()
      if(NOT path IN_LIST skip AND NOT generated AND NOT own_flags)
        set(include_it ON)
      endif()
    endif()
    if(include_it)
      cmake_path(RELATIVE_PATH path BASE_DIRECTORY ${unity_dir} OUTPUT_VARIABLE relative)
      list(APPEND batch "#include \"${relative}\"\n")
    else()
      list(APPEND kept ${source})
    endif()
    math(EXPR count "${count} - 1")
    list(LENGTH batch size)
    if(size EQUAL STOPD_UNITY_BUILD_BATCH_SIZE OR (count EQUAL 0 AND size GREATER 0))
      set(file ${unity_dir}/unity_${index}.cxx)
      string(JOIN "" content "/* generated by cmake/StopdUnityBuild.cmake */\n" ${batch})
      set(old "")
      if(EXISTS ${file})
        file(READ ${file} old)
      endif()
      if(NOT old STREQUAL content)  # unchanged: not rewritten, so not recompiled
        file(WRITE ${file} "${content}")
      endif()
      list(APPEND batch_files ${file})
      set(batch)
      math(EXPR index "${index} + 1")
    endif()
  endforeach()
  set_property(TARGET ${target} PROPERTY SOURCES ${kept} ${batch_files})
endfunction()

function(stopd_apply_unity_builds)
  if(NOT STOPD_UNITY_BUILD)
    return()
  endif()
  foreach(target IN LISTS STOPD_UNITY_BUILD_TARGETS)
    if(TARGET ${target})
      stopd_unity_build(${target})
    endif()
  endforeach()
endfunction()
# After every directory has defined its targets.
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL stopd_apply_unity_builds)
