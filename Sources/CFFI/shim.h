// libffi, used by the REPL's `call` to invoke C-ABI functions with run-time signatures (Debian: libffi-dev).
#include <ffi.h>
