# Warnings and sanitizers for every target of this project (not for third-party code).
set(STOPD_WARNING_FLAGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wconversion -Wsign-conversion
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(STOPD_WERROR)
  list(APPEND STOPD_WARNING_FLAGS -Werror)
endif()

# UBSan without its null and alignment checks: GCC instruments every pointer use for them, which
# was a quarter of the asan preset's compile time (core/src/dispatcher.cpp: 24-26 -> 16-21 CPU-s),
# and ASan already stops at a null dereference with a stack trace; x86-64 does misaligned access.
if(STOPD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize=null,alignment
                      -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

function(stopd_target_defaults target)
  target_compile_options(${target} PRIVATE ${STOPD_WARNING_FLAGS})
endfunction()
