// SPDX-License-Identifier: MIT
/* vnetctl_table.c - aligned text tables and human-readable rates */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vnetctl.h"

/**
 * vnetctl_table_init() - Start a table with its header row
 * @t:		table
 * @ncols:	columns (at most VNETCTL_COLS_MAX)
 * @right:	bit n set: right-align column n
 * @header:	@ncols column titles
 */
void vnetctl_table_init(struct vnetctl_table *t, unsigned int ncols, uint32_t right,
			const char *const *header)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols < VNETCTL_COLS_MAX ? ncols : VNETCTL_COLS_MAX;
	t->right = right;
	vnetctl_table_add(t, header);
}

/**
 * vnetctl_table_add() - Append a row
 * @t:		table
 * @row:	@t->ncols strings (copied; NULL prints as "-")
 */
void vnetctl_table_add(struct vnetctl_table *t, const char *const *row)
{
	char **cells = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*cells));
	unsigned int i;

	if (!cells)
		return;
	t->cells = cells;
	for (i = 0; i < t->ncols; i++)
		cells[t->nrows * t->ncols + i] = strdup(row[i] ? row[i] : "-");
	t->nrows++;
}

/**
 * vnetctl_table_print() - Print the table with aligned columns, and free it
 * @t:		table
 */
void vnetctl_table_print(struct vnetctl_table *t)
{
	size_t w[VNETCTL_COLS_MAX] = { 0 };
	unsigned int r, c;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			size_t n = s ? strlen(s) : 0;

			if (n > w[c])
				w[c] = n;
		}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			bool last = c + 1 == t->ncols;

			if (t->right & (1u << c))
				printf("%*s", (int)w[c], s ? s : "");
			else
				printf("%-*s", last ? 0 : (int)w[c], s ? s : "");
			fputs(last ? "\n" : "  ", stdout);
			free(t->cells[r * t->ncols + c]);
		}
	}
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

/**
 * vnetctl_table_free() - Free a table without printing it
 * @t:		table
 */
void vnetctl_table_free(struct vnetctl_table *t)
{
	unsigned int i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

/**
 * vnetctl_human() - Format @v with k/M/G suffixes (powers of 1000)
 * @buf:	output
 * @len:	its size
 * @v:		value
 * @unit:	appended unit ("bps", "pps", "")
 */
void vnetctl_human(char *buf, size_t len, uint64_t v, const char *unit)
{
	static const char *const sfx[] = { "", "k", "M", "G", "T" };
	double d = (double)v;
	unsigned int i = 0;

	while (d >= 1000.0 && i + 1 < sizeof(sfx) / sizeof(sfx[0])) {
		d /= 1000.0;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%" PRIu64 "%s", v, unit);
	else
		snprintf(buf, len, "%.1f%s%s", d, sfx[i], unit);
}
