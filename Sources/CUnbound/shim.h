#ifndef PRELOAD_CUNBOUND_SHIM_H
#define PRELOAD_CUNBOUND_SHIM_H
#include <unbound.h>
#endif
