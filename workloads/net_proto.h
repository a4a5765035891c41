/* net_proto.h - the net scenario's protocol: what a client asks, what the
 * server answers, and what a page holds. Both ends compute a page from
 * its task and op, so that a client checks every byte it gets.
 *
 *	request	"GET /<task>/<op>\n"
 *	reply	"PAGE <task> <op> <length>\n" and length bytes of page
 */
#ifndef LAB_NET_PROTO_H
#define LAB_NET_PROTO_H

#include <stddef.h>

#define NET_REQ_MAX   64 /* "GET /<task>/<op>\n" */
#define NET_HDR_MAX   64 /* "PAGE <task> <op> <length>\n" */
#define NET_PAGE_MIN  200
#define NET_PAGE_SPAN 800 /* page lengths vary with task and op */
#define NET_REPLY_MAX (NET_HDR_MAX + NET_PAGE_MIN + NET_PAGE_SPAN)

/* The length of task's page for op. */
unsigned net_page_len(unsigned task, unsigned op);

/* The request for task's op into buf (NET_REQ_MAX); its length. */
int net_request(char *buf, size_t len, unsigned task, unsigned op);
/* A request line, its newline at nl replaced by a NUL: 0 when it is
 * "GET /<task>/<op>" and nothing else. */
int net_request_parse(const char *line, const char *nl, unsigned *task,
		      unsigned *op);

/* The reply to task's op into out (NET_REPLY_MAX); its length. */
size_t net_reply(char *out, unsigned task, unsigned op);
/* The first got bytes of a reply in buf (NUL-terminated): the reply's
 * whole length once its header line is complete, 0 while it is still
 * coming, -1 when it is not the reply to task's op. */
long net_reply_header(const char *buf, size_t got, unsigned task, unsigned op);
/* 0 when the page of a whole reply of total bytes is task's page for op,
 * byte for byte. */
int net_reply_check(const char *buf, size_t total, unsigned task, unsigned op);

#endif /* LAB_NET_PROTO_H */
