/* predicates.h - the predicate plugins' common part (each predicate is its own .so). */
#ifndef KC_PREDICATES_H
#define KC_PREDICATES_H
#include "transform_common.h"
__attribute__((unused)) static void predicate_close(void *s) { free(s); }
#endif
