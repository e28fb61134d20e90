# Warnings and sanitizers for every target of this project (not for third-party code).
set(STOPD_WARNING_FLAGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wconversion -Wsign-conversion
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(STOPD_WERROR)
  list(APPEND STOPD_WARNING_FLAGS -Werror)
endif()

if(STOPD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

function(stopd_target_defaults target)
  target_compile_options(${target} PRIVATE ${STOPD_WARNING_FLAGS})
endfunction()
