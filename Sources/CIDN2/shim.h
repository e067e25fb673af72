#ifndef PRELOAD_CIDN2_SHIM_H
#define PRELOAD_CIDN2_SHIM_H
#include <idn2.h>
#include <stdlib.h>
static inline void preload_idn2_free(void *p) { idn2_free(p); }
#endif
