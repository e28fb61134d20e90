# stopd_add_proto_library(<target> ROOT <dir> PROTOS <files...>)
#
# A static library of the messages and gRPC stubs generated from .proto files under ROOT (the
# import root, so `package a.b` files live in ROOT/a/b/). Generated code is compiled without the
# project's warnings: it is protoc's, not ours.
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)

function(stopd_add_proto_library target)
  cmake_parse_arguments(ARG "" "ROOT" "PROTOS" ${ARGN})
  add_library(${target} STATIC ${ARG_PROTOS})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf gRPC::grpc++)
  target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_BINARY_DIR})
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  protobuf_generate(TARGET ${target} LANGUAGE cpp IMPORT_DIRS ${ARG_ROOT}
                    PROTOC_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  protobuf_generate(TARGET ${target} LANGUAGE grpc IMPORT_DIRS ${ARG_ROOT}
                    GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
                    PLUGIN "protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
                    PROTOC_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
endfunction()
