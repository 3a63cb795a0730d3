/* SPDX-License-Identifier: MIT */
/* vnetctl.h - vnetctl's internal interfaces: the client, tables, top */
#ifndef VN_CMD_VNETCTL_H
#define VN_CMD_VNETCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl/proto.h"

struct json_object;

/* vnetctl.c */
int vnetctl_connect(void);
int vnetctl_call_fd(int fd, const struct vn_ctl_cmd *cmd, struct json_object *args, int pass,
		    struct vn_ctl_reply *rep);
int vnetctl_xdp_open(struct json_object *args, int *fd);
int vnetctl_xo_file_open(struct json_object *args, bool write, int *fd);
int vnetctl_call(int fd, const struct vn_ctl_cmd *cmd, struct json_object *args,
		 struct vn_ctl_reply *rep);

/* vnetctl_table.c */
#define VNETCTL_COLS_MAX	16

/**
 * struct vnetctl_table - an aligned text table, built row by row
 * @ncols:	columns
 * @right:	bit n set: column n is right-aligned (numbers)
 * @nrows:	rows so far, header included
 * @cells:	nrows * ncols strings (owned)
 */
struct vnetctl_table {
	unsigned int ncols;
	uint32_t right;
	unsigned int nrows;
	char **cells;
};

void vnetctl_table_init(struct vnetctl_table *t, unsigned int ncols, uint32_t right,
			const char *const *header);
void vnetctl_table_add(struct vnetctl_table *t, const char *const *row);
void vnetctl_table_print(struct vnetctl_table *t);
void vnetctl_table_free(struct vnetctl_table *t);
void vnetctl_human(char *buf, size_t len, uint64_t v, const char *unit);

/* vnetctl_print.c */
void vnetctl_print(const struct vn_ctl_cmd *cmd, struct json_object *result);

/* vnetctl_capture.c */
int vnetctl_capture(int argc, char **argv, bool json);

/* vnetctl_top.c */
int vnetctl_top(long count, unsigned int interval_ms, bool json);

#endif /* VN_CMD_VNETCTL_H */
