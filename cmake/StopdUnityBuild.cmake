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

function(stopd_apply_unity_builds)
  if(NOT STOPD_UNITY_BUILD)
    return()
  endif()
  foreach(target IN LISTS STOPD_UNITY_BUILD_TARGETS)
    if(TARGET ${target})
      set_target_properties(${target} PROPERTIES
        UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${STOPD_UNITY_BUILD_BATCH_SIZE})
      foreach(source IN LISTS STOPD_UNITY_BUILD_SKIP)
        set_source_files_properties(${PROJECT_SOURCE_DIR}/${source} TARGET_DIRECTORY ${target}
                                    PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
      endforeach()
    endif()
  endforeach()
endfunction()
# After every directory has defined its targets.
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL stopd_apply_unity_builds)
