# Precompiled headers (STOPD_PCH, issue 19): the heavy third-party headers (nlohmann/json, gRPC,
# protobuf, spdlog, Boost.Asio, GoogleTest) compiled once per target instead of once per
# translation unit, for the targets that have the most translation units in a unity build.
#
# Off in every preset, because it does not pay: the unity batches (cmake/StopdUnityBuild.cmake)
# already parse those headers once per batch of 8 sources, and each precompiled header is one
# more compile, which its target's batches wait for. Measured from fresh clones of one commit,
# without ccache (CCACHE_DISABLE=1), 2 cores, load average 2.0 to 3.3:
#   preset ci, every target (cmake --build build/ci --parallel 2):
#     STOPD_PCH=OFF 496 s (941 s of CPU), ON 562 s (1,049 s of CPU)
#   preset demo, target stopd_demo (cmake --build build/demo --parallel 2 --target stopd_demo):
#     STOPD_PCH=OFF 138 s (257 s of CPU), ON 163 s (270 s of CPU)
# With it on, ccache (cmake/StopdCcache.cmake) is given the sloppiness a precompiled header
# needs; not measured with ccache.
option(STOPD_PCH "Precompiled headers for the targets of cmake/StopdPch.cmake" OFF)

# stopd_pch(TARGET HEADER...): HEADERs (<...>) precompiled for TARGET, if it exists.
function(stopd_pch target)
  if(TARGET ${target})
    target_precompile_headers(${target} PRIVATE ${ARGN})
  endif()
endfunction()

function(stopd_apply_pch)
  if(NOT STOPD_PCH)
    return()
  endif()
  stopd_pch(stopd_core <nlohmann/json.hpp> <spdlog/spdlog.h> <grpcpp/grpcpp.h>)
  stopd_pch(stopd_conformance <gtest/gtest.h> <nlohmann/json.hpp> <boost/dll/shared_library.hpp>)
  stopd_pch(stopd_cli <nlohmann/json.hpp> <grpcpp/grpcpp.h> <CLI/CLI.hpp>)
  stopd_pch(stopd_proto <grpcpp/grpcpp.h> <google/protobuf/generated_message_reflection.h>
            <google/protobuf/wire_format.h>)
  stopd_pch(stopd_jobs <nlohmann/json.hpp> <spdlog/spdlog.h> <boost/asio/io_context.hpp>)
  foreach(target IN ITEMS stopd_unit_tests stopd_jobs_tests stopd_daemon_e2e_tests
                          stopd_e2e_tests stopd_client_e2e_tests stopd_daemon_unit_tests)
    stopd_pch(${target} <gtest/gtest.h> <nlohmann/json.hpp>)
  endforeach()
endfunction()
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL stopd_apply_pch)
