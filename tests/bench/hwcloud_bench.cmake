# stopd_bench_hwcloud_stop: the Huawei Cloud client and DLF plugin against the emulator, pooled
# connections vs a new connection per request. Included from CMakeLists.txt in this directory.
find_package(CURL REQUIRED)
add_executable(stopd_bench_hwcloud_stop
  hwcloud_stop_bench.cpp
  ${PROJECT_SOURCE_DIR}/tests/integration/huaweicloud/emulator_process.cpp)
target_include_directories(stopd_bench_hwcloud_stop PRIVATE ${PROJECT_SOURCE_DIR}/tests/integration/huaweicloud)
target_link_libraries(stopd_bench_hwcloud_stop PRIVATE stopd_hwcloud_dlf_impl stopd_hwcloud_client CURL::libcurl)
target_compile_definitions(stopd_bench_hwcloud_stop PRIVATE
  STOPD_HWCLOUD_EMULATOR_PATH="$<TARGET_FILE:stopd-hwcloud-emulator>"
  STOPD_TEST_TLS_DIR="${STOPD_TEST_TLS_DIR}")
add_dependencies(stopd_bench_hwcloud_stop stopd-hwcloud-emulator stopd_test_tls_certs)
stopd_target_defaults(stopd_bench_hwcloud_stop)
