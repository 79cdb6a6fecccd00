/* kc_apply.h - `kcd apply`: connector files applied to a worker through the REST API only. */
#ifndef KC_APPLY_H
#define KC_APPLY_H

/* argv: the arguments after "apply". Returns the process exit code (see cli/apply.c). */
int kc_cmd_apply(int argc, char **argv);

#endif
