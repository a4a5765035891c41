/* net_proto.c - the net scenario's protocol (see net_proto.h) */
#include <stdio.h>
#include <string.h>
#include "workloads/net_proto.h"

unsigned net_page_len(unsigned task, unsigned op)
{
	return NET_PAGE_MIN + (task * 131u + op * 71u) % NET_PAGE_SPAN;
}

static char net_page_byte(unsigned task, unsigned op, unsigned i)
{
	return (char)('a' + (task * 7u + op * 3u + i) % 26u);
}

int net_request(char *buf, size_t len, unsigned task, unsigned op)
{
	return snprintf(buf, len, "GET /%u/%u\n", task, op);
}

int net_request_parse(const char *line, const char *nl, unsigned *task,
		      unsigned *op)
{
	int end = -1;

	if (sscanf(line, "GET /%u/%u%n", task, op, &end) != 2)
		return -1;
	return line + end == nl ? 0 : -1;
}

size_t net_reply(char *out, unsigned task, unsigned op)
{
	unsigned len = net_page_len(task, op);
	int h = snprintf(out, NET_HDR_MAX, "PAGE %u %u %u\n", task, op, len);

	for (unsigned i = 0; i < len; i++)
		out[h + i] = net_page_byte(task, op, i);
	return (size_t)h + len;
}

long net_reply_header(const char *buf, size_t got, unsigned task, unsigned op)
{
	const char *nl = memchr(buf, '\n', got);
	unsigned t, o, len;
	int end = -1;

	if (!nl)
		return got < NET_HDR_MAX ? 0 : -1;
	if (sscanf(buf, "PAGE %u %u %u%n", &t, &o, &len, &end) != 3 ||
	    buf + end != nl || t != task || o != op ||
	    len != net_page_len(task, op))
		return -1;
	return (long)(nl + 1 - buf) + len;
}

int net_reply_check(const char *buf, size_t total, unsigned task, unsigned op)
{
	unsigned len = net_page_len(task, op);
	const char *body = buf + total - len;

	for (unsigned i = 0; i < len; i++)
		if (body[i] != net_page_byte(task, op, i))
			return -1;
	return 0;
}
