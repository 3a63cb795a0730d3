/* SPDX-License-Identifier: MIT */
/* ctl_harness.h - a real control server on a running switch, one client socket
 *
 * Shared by the control tests that send requests over the real socket
 * (test_handlers.c, test_xdp_cmds.c). Include after <cmocka.h>.
 */
#ifndef VN_TESTS_CTL_HARNESS_H
#define VN_TESTS_CTL_HARNESS_H

#include <json-c/json.h>

#include "ctl/ctl.h"
#include "switch/sw.h"

extern struct vn_sw *ctl_h_sw;
extern struct vn_ctl_server *ctl_h_srv;

/**
 * ctl_h_setup() - Start a switch and a server at /tmp/vn-ctl-@tag-PID/vnetd.sock,
 * and connect to it
 * @tag:	a few characters that keep the socket directories of two tests apart
 *
 * Return: 0, or nonzero when any step failed (for a cmocka group setup)
 */
int ctl_h_setup(const char *tag);

/**
 * ctl_h_teardown() - Close the client, stop the server and the switch, remove
 * the socket directory
 *
 * Return: 0, or nonzero when the directory could not be removed
 */
int ctl_h_teardown(void);

/**
 * req() - Send one request line (printf format), fail the test when no reply
 * comes within 5 s
 * @fmt:	request, without the trailing newline
 *
 * Return: the parsed reply object (the caller puts it), NULL if it did not parse
 */
struct json_object *req(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * req_fd() - req() with a descriptor passed along (SCM_RIGHTS, ctl/fdpass.h)
 * @pass:	descriptor (not closed), -1 for none
 * @fmt:	printf format of the request line, without '\n'
 *
 * Return: the parsed reply object (the caller puts it), NULL if it did not parse
 */
struct json_object *req_fd(int pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * get() - Member @key of @o
 * @o:		object (may be NULL)
 * @key:	member name
 *
 * Return: the member, or NULL
 */
struct json_object *get(struct json_object *o, const char *key);

/**
 * ok() - Fail the test unless @rep is a success reply
 * @rep:	reply
 *
 * Return: its "result"
 */
struct json_object *ok(struct json_object *rep);

/**
 * err_code() - Fail the test unless @rep is an error reply
 * @rep:	reply
 *
 * Return: its error code ("ENOENT", ...)
 */
const char *err_code(struct json_object *rep);

/**
 * err_msg() - Fail the test unless @rep is an error reply with code @code
 * @rep:	reply
 * @code:	expected error code ("EINVAL")
 *
 * Return: its message, never empty (every error reply says why)
 */
const char *err_msg(struct json_object *rep, const char *code);

#endif /* VN_TESTS_CTL_HARNESS_H */
