# The libFuzzer build (preset fuzz, STOPD_FUZZ=ON): clang only, because GCC has no libFuzzer.
# Everything compiled here is instrumented for coverage and checked by ASan + UBSan; only the fuzz
# executables link libFuzzer itself (-fsanitize=fuzzer, in tests/fuzz), the libraries get the
# coverage hooks without its main (fuzzer-no-link). The preset builds Debug at -O1: assert()s
# (nlohmann's JSON_ASSERT among them) stay on, at a speed fuzzing can live with.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "STOPD_FUZZ needs clang (libFuzzer); CMAKE_CXX_COMPILER is "
                      "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER}. Use the preset fuzz.")
endif()
if(STOPD_SANITIZE)
  message(FATAL_ERROR "STOPD_FUZZ brings its own sanitizers; leave STOPD_SANITIZE off")
endif()

# -fno-sanitize-recover: the first undefined behaviour aborts, so libFuzzer sees it as a crash and
# keeps the input. _GLIBCXX_ASSERTIONS turns an out-of-range operator[] of a std::string or
# std::vector into an abort too, which ASan alone misses while the index stays inside capacity.
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                    -fno-omit-frame-pointer -D_GLIBCXX_ASSERTIONS)
add_link_options(-fsanitize=address,undefined)
