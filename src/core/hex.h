/* SPDX-License-Identifier: MIT */
/* hex.h - hex digits to bytes, for text that control clients and tools type */
#ifndef VN_CORE_HEX_H
#define VN_CORE_HEX_H

/**
 * vn_hex_digit() - Value of one hex digit
 * @c:		character (a negative char is not a digit)
 *
 * Return: 0..15, or -1 when @c is not [0-9a-fA-F]
 */
static inline int vn_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/**
 * vn_hex_byte() - Value of the two hex digits at @s
 * @s:		text; @s[1] is read only when @s[0] is a digit, so a string that
 *		ends after one character is safe to pass
 *
 * Return: 0..255, or -1 when either character is not a hex digit
 */
static inline int vn_hex_byte(const char *s)
{
	int hi = vn_hex_digit((unsigned char)s[0]), lo;

	if (hi < 0)
		return -1;
	lo = vn_hex_digit((unsigned char)s[1]);
	return lo < 0 ? -1 : hi << 4 | lo;
}

#endif /* VN_CORE_HEX_H */
