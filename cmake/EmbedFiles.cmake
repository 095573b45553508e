# ringfence_embed_files(<output.cpp> <c++ function name> <base dir> <files...>)
#
# Generates a C++ source that returns the files' contents as a table, so the
# ringfence binary carries its shipped profiles with it and works wherever it
# is copied. The table is regenerated whenever one of the files changes.
set(RINGFENCE_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/EmbedFilesScript.cmake)

function(ringfence_embed_files output function_name base_dir)
  set(files ${ARGN})
  set(abs_files)
  foreach(f IN LISTS files)
    list(APPEND abs_files ${base_dir}/${f})
  endforeach()
  string(REPLACE ";" "|" files_arg "${files}")
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DFUNCTION=${function_name}
            -DBASE=${base_dir} -DFILES=${files_arg} -P ${RINGFENCE_EMBED_SCRIPT}
    DEPENDS ${abs_files} ${RINGFENCE_EMBED_SCRIPT}
    COMMENT "Embedding ${function_name}"
    VERBATIM)
endfunction()
