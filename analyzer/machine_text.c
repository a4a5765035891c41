/* machine_text.c - the reports' words for TLB tags, page-table
 * isolation and the scheduler tick. */
#include <stdio.h>
#include <string.h>
#include "analyzer/machine_text.h"
#include "analyzer/units.h"

static const struct {
	const char *tags, *words;
} tlb_words[] = {
	{"pcid invpcid", "PCID, INVPCID"},
	{"pcid", "PCID"},
	{"asid", "ASID"},
	{"none", "none (no PCID)"},
	{"unknown", "unknown"},
};

const char *machine_text_tlb_tags(const char *tags)
{
	for (size_t i = 0; i < sizeof(tlb_words) / sizeof(tlb_words[0]); i++)
		if (!strcmp(tags, tlb_words[i].tags))
			return tlb_words[i].words;
	return tags;
}

bool machine_text_tlb_tagged(const char *tags)
{
	return !strncmp(tags, "pcid", 4) || !strcmp(tags, "asid");
}

const char *machine_text_tick(char *buf, size_t size, uint64_t tick_ns)
{
	if (!tick_ns)
		snprintf(buf, size, "%s", "");
	else if (tick_ns % 1000000 == 0)
		snprintf(buf, size, "%llu ms",
			 (unsigned long long)(tick_ns / 1000000));
	else
		units_duration(buf, size, tick_ns);
	return buf;
}

unsigned int machine_text_hz(uint64_t tick_ns)
{
	/* TICK_NSEC is 1e9 / HZ rounded to the nearest ns */
	return tick_ns ? (unsigned int)((1000000000 + tick_ns / 2) / tick_ns)
		       : 0;
}

int machine_text_eevdf(const char *kernel)
{
	unsigned int major, minor;

	if (sscanf(kernel, "%u.%u", &major, &minor) != 2)
		return -1;
	return major > 6 || (major == 6 && minor >= 6);
}

bool machine_text_line(char *buf, size_t size, const struct lab_trace_info *in)
{
	size_t o = 0;
	char tick[32];

	buf[0] = '\0';
	if (in->tlb_tags[0] && o < size)
		o += (size_t)snprintf(buf + o, size - o, "TLB tags: %s",
				      machine_text_tlb_tags(in->tlb_tags));
	if (in->page_table_isolation[0] && o < size)
		o += (size_t)snprintf(buf + o, size - o,
				      "%spage-table isolation: %s",
				      o ? "; " : "", in->page_table_isolation);
	if (in->tick_ns && o < size)
		o += (size_t)snprintf(
			buf + o, size - o, "%stick: %s", o ? "; " : "",
			machine_text_tick(tick, sizeof(tick), in->tick_ns));
	return o > 0;
}
