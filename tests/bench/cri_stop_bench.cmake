# The CRI stop benchmark (included from CMakeLists.txt): stopd vs a direct StopContainer on the
# same private containerd (tests/integration/cri/support), in the same run. Needs root and
# containerd, like the CRI integration tests.
if(TARGET stopd AND TARGET stopd_cri_test_env)
  add_executable(stopd_bench_cri_stop cri_stop_bench.cpp)
  target_link_libraries(stopd_bench_cri_stop PRIVATE
    stopd::cri_test_env stopd::proto nlohmann_json::nlohmann_json)
  target_compile_definitions(stopd_bench_cri_stop PRIVATE
    STOPD_DAEMON_PATH="$<TARGET_FILE:stopd>" STOPD_PLUGIN_BUILD_DIR="${STOPD_PLUGIN_OUTPUT_DIR}")
  add_dependencies(stopd_bench_cri_stop stopd stopd_cri_container)
  stopd_target_defaults(stopd_bench_cri_stop)
endif()
