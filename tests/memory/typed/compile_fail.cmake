# Runs the compiler on SOURCE with -DUNIMEM_FAIL_CASE=CASE and passes only if compilation fails
# with a diagnostic matching EXPECT (so an unrelated error, such as a missing header, is not mistaken
# for the misuse being rejected). CASE 0 is the control: it must compile.
execute_process(
  COMMAND ${CXX} -std=c++20 -fsyntax-only -I${INCLUDE} -DUNIMEM_FAIL_CASE=${CASE} ${SOURCE}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(CASE EQUAL 0)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the control case does not compile:\n${err}")
  endif()
elseif(rc EQUAL 0)
  message(FATAL_ERROR "case ${CASE} compiled, but it must not")
elseif(NOT err MATCHES "${EXPECT}")
  message(FATAL_ERROR "case ${CASE} failed for another reason than '${EXPECT}':\n${err}")
endif()
