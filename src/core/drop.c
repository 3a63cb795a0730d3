// SPDX-License-Identifier: MIT
/* drop.c - names and descriptions of drop reasons */
#include "drop.h"

static const char *const drop_names[] = {
#define VN_DROP_NAME(name, str)	#name,
	VN_DROP_REASONS(VN_DROP_NAME)
#undef VN_DROP_NAME
};

static const char *const drop_strs[] = {
#define VN_DROP_STR(name, str)	str,
	VN_DROP_REASONS(VN_DROP_STR)
#undef VN_DROP_STR
};

/* Lower-case copies of the enum names, built before main() runs. */
static char drop_lower[VN_DROP__MAX][32];

__attribute__((constructor)) static void drop_names_init(void)
{
	unsigned int i, j;

	for (i = 0; i < VN_DROP__MAX; i++) {
		for (j = 0; drop_names[i][j] && j < sizeof(drop_lower[i]) - 1; j++) {
			char c = drop_names[i][j];

			drop_lower[i][j] = (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
		}
		drop_lower[i][j] = '\0';
	}
}

const char *vn_drop_name(enum vn_drop_reason reason)
{
	if ((unsigned int)reason >= VN_DROP__MAX)
		return "unknown";
	return drop_lower[reason];
}

const char *vn_drop_str(enum vn_drop_reason reason)
{
	if ((unsigned int)reason >= VN_DROP__MAX)
		return "unknown drop reason";
	return drop_strs[reason];
}
