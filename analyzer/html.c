/* html.c - the HTML writers' vocabulary: escaping, the page skeleton,
 * sections, figures and tables. */
#include <stdlib.h>
#include <string.h>
#include "analyzer/html.h"
#include "analyzer/machine_text.h"
#include "analyzer/safe_text.h"
#include "analyzer/units.h"

/* The one style sheet. Colours of the scheduler states (class s-NAME)
 * are set once here; in print they become greys and patterns, so the
 * states stay apart on a black-and-white printer. */
static const char style[] =
	":root{color-scheme:light}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:15px/1.45 system-ui,-apple-system,\"Segoe UI\","
	"Roboto,\"Helvetica Neue\",Arial,sans-serif;color:#1b1b1b;"
	"background:#fff}\n"
	"main{max-width:1180px;margin:0 auto;padding:8px 20px 40px}\n"
	"h1{font-size:1.6em;margin:.4em 0 .1em;overflow-wrap:anywhere}\n"
	"h2{font-size:1.25em;margin:1.6em 0 .5em;padding-bottom:.2em;"
	"border-bottom:2px solid #ddd}\n"
	"h3{font-size:1em;margin:1em 0 .3em}\n"
	"p{margin:.4em 0;max-width:80ch}\n"
	"a{color:#0b57a4}\n"
	"nav{margin:.5em 0 0;font-size:.9em;line-height:1.8}\n"
	"nav a{margin-right:.9em;white-space:nowrap}\n"
	".sub{color:#555;margin:0;overflow-wrap:anywhere}\n"
	".none{color:#666;font-style:italic}\n"
	".note{color:#555;font-size:.9em}\n"
	".alert{border:3px solid #b3261e;background:#fdecea;padding:.5em 1em;"
	"margin:1em 0}\n"
	".alert h2{border:0;margin:.2em 0;color:#b3261e}\n"
	".figs{display:grid;grid-template-columns:repeat(auto-fill,"
	"minmax(12em,1fr));gap:.6em;margin:.6em 0}\n"
	".fig{border:1px solid #d6d6d6;border-radius:6px;padding:.45em .7em}\n"
	".fig b{display:block;font-size:1.3em;"
	"font-variant-numeric:tabular-nums}\n"
	".fig span{color:#444;font-size:.85em}\n"
	".fig small{display:block;color:#666;font-size:.8em}\n"
	".wide{overflow-x:auto;max-width:100%}\n"
	"table{border-collapse:collapse;font-variant-numeric:tabular-nums;"
	"font-size:.9em;margin:.4em 0}\n"
	"th,td{padding:.25em .5em;text-align:right;border-bottom:1px solid "
	"#e4e4e4;white-space:nowrap}\n"
	"th{background:#f2f2f2;font-weight:600;vertical-align:bottom;"
	"white-space:normal;min-width:4em}\n"
	"th.t,td.t{text-align:left}\n"
	"table.sortable th{cursor:pointer}\n"
	"th[aria-sort=ascending]::after{content:\" \\25B2\"}\n"
	"th[aria-sort=descending]::after{content:\" \\25BC\"}\n"
	"dl.env{display:grid;grid-template-columns:max-content 1fr;"
	"gap:.2em 1.2em;margin:.4em 0}\n"
	"dl.env dt{color:#555}\n"
	"dl.env dd{margin:0;overflow-wrap:anywhere}\n"
	"svg{display:block;max-width:100%;height:auto}\n"
	"svg text{font-family:inherit;font-size:11px;fill:#222}\n"
	"svg .small{font-size:10px;fill:#555}\n"
	".charts{display:grid;grid-template-columns:repeat(auto-fill,"
	"minmax(min(100%,32em),1fr));gap:.4em 1.5em}\n"
	".chart{break-inside:avoid}\n"
	".hists{display:grid;grid-template-columns:repeat(auto-fill,"
	"minmax(min(100%,21em),1fr));gap:.4em 1.2em}\n"
	"figure{margin:.4em 0}\n"
	"figcaption{font-size:.85em;color:#333}\n"
	".axis{stroke:#777;stroke-width:1}\n"
	".grid{stroke:#e8e8e8;stroke-width:1}\n"
	".bar{fill:#4a78b0}\n"
	".bar-rest{fill:#a9c0dc}\n"
	".range{stroke:#1b1b1b;stroke-width:1.5}\n"
	".legend{display:flex;flex-wrap:wrap;gap:.2em 1.1em;font-size:.85em;"
	"margin:.4em 0;padding:0;list-style:none}\n"
	".legend svg{display:inline-block;vertical-align:-2px;"
	"margin-right:.3em}\n"
	".band{fill:#e9edf3;stroke:#8c9ab0;stroke-width:.5}\n"
	".band.odd{fill:#d9e0ea}\n"
	".mark{stroke:#5a6b85;stroke-width:1;stroke-dasharray:3 3}\n"
	".claims{padding-left:1.2em}\n"
	".claims li{margin:.6em 0}\n"
	".ev{font-size:.85em;color:#444;margin:.15em 0}\n"
	".s-running{fill:#2e7d32;stroke:#2e7d32}\n"
	".s-runnable{fill:#f2a900;stroke:#f2a900}\n"
	".s-lock{fill:#c62828;stroke:#c62828}\n"
	".s-event{fill:#f08a80;stroke:#f08a80}\n"
	".s-join{fill:#b39ddb;stroke:#b39ddb}\n"
	".s-io{fill:#1565c0;stroke:#1565c0}\n"
	".s-sleep{fill:#9ec5ea;stroke:#9ec5ea}\n"
	".s-child{fill:#7b3fa0;stroke:#7b3fa0}\n"
	".s-blocked{fill:#8d6e63;stroke:#8d6e63}\n"
	".s-new{fill:#cfcfcf;stroke:#cfcfcf}\n"
	".s-other{fill:#6d7b8d;stroke:#6d7b8d}\n"
	".s-idle{fill:#eef1f4;stroke:#eef1f4}\n"
	"@media (max-width:640px){\n"
	"body{font-size:14px}\n"
	"main{padding:6px 10px 30px}\n"
	".figs{grid-template-columns:repeat(2,minmax(0,1fr))}\n"
	".timeline svg{min-width:1100px}\n"
	"}\n"
	"@media print{\n"
	"body{font-size:10pt;color:#000}\n"
	"main{max-width:none;padding:0}\n"
	"nav{display:none}\n"
	"a{color:#000;text-decoration:none}\n"
	".wide{overflow:visible}\n"
	"table{font-size:8pt}\n"
	".alert{background:none;border-color:#000}\n"
	".alert h2{color:#000}\n"
	"th{background:none;border-bottom:1.5px solid #000}\n"
	".fig,figure,tr{break-inside:avoid}\n"
	".bar{fill:#808080}\n"
	".bar-rest{fill:#d0d0d0}\n"
	".s-running{fill:#000;stroke:#000}\n"
	".s-runnable{fill:url(#p-hatch);stroke:url(#p-hatch)}\n"
	".s-lock{fill:#5c5c5c;stroke:#5c5c5c}\n"
	".s-event{fill:#a8a8a8;stroke:#a8a8a8}\n"
	".s-join{fill:url(#p-dots);stroke:url(#p-dots)}\n"
	".s-io{fill:url(#p-cross);stroke:url(#p-cross)}\n"
	".s-sleep{fill:#c8c8c8;stroke:#c8c8c8}\n"
	".s-child{fill:url(#p-dots);stroke:url(#p-dots)}\n"
	".s-blocked{fill:#929292;stroke:#929292}\n"
	".s-new{fill:#ececec;stroke:#ececec}\n"
	".s-other{fill:#7a7a7a;stroke:#7a7a7a}\n"
	".s-idle{fill:#fff;stroke:#fff}\n"
	"}\n";

/* The patterns the print style fills with: defined once per page. */
static const char patterns[] =
	"<svg width=\"0\" height=\"0\" style=\"position:absolute\" "
	"aria-hidden=\"true\"><defs>\n"
	"<pattern id=\"p-hatch\" width=\"4\" height=\"4\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"4\" height=\"4\" "
	"fill=\"#fff\"/><path d=\"M-1 1l2-2M0 4l4-4M3 5l2-2\" stroke=\"#000\" "
	"stroke-width=\"1\"/></pattern>\n"
	"<pattern id=\"p-cross\" width=\"4\" height=\"4\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"4\" height=\"4\" "
	"fill=\"#fff\"/><path d=\"M0 0l4 4M4 0l-4 4\" stroke=\"#000\" "
	"stroke-width=\".8\"/></pattern>\n"
	"<pattern id=\"p-dots\" width=\"3\" height=\"3\" "
	"patternUnits=\"userSpaceOnUse\"><rect width=\"3\" height=\"3\" "
	"fill=\"#fff\"/><circle cx=\"1.5\" cy=\"1.5\" r=\".8\" "
	"fill=\"#000\"/></pattern>\n"
	"</defs></svg>\n";

/* Sorts tables of class "sortable" by the clicked column: by data-v
 * where a cell has one, else by its text. No eval, no handlers in the
 * markup: without scripts the table reads in its written order. */
static const char sort_script[] =
	"<script>\n"
	"document.querySelectorAll('table.sortable').forEach(function(t){\n"
	"var hs=t.tHead.rows[0].cells;\n"
	"function key(c){var v=c.getAttribute('data-v');"
	"return v===null?c.textContent:Number(v);}\n"
	"[].forEach.call(hs,function(h,i){\n"
	"h.tabIndex=0;\n"
	"function sort(){\n"
	"var up=h.getAttribute('aria-sort')!=='ascending',b=t.tBodies[0],"
	"rows=[].slice.call(b.rows);\n"
	"[].forEach.call(hs,function(o){o.removeAttribute('aria-sort');});\n"
	"h.setAttribute('aria-sort',up?'ascending':'descending');\n"
	"rows.sort(function(x,y){var a=key(x.cells[i]),c=key(y.cells[i]);"
	"return (a<c?-1:a>c?1:0)*(up?1:-1);});\n"
	"rows.forEach(function(r){b.appendChild(r);});}\n"
	"h.addEventListener('click',sort);\n"
	"h.addEventListener('keydown',function(e){"
	"if(e.key==='Enter'||e.key===' '){e.preventDefault();sort();}});\n"
	"});});\n"
	"</script>\n";

static void escape_clean(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* s as valid UTF-8 without controls: in buf when it fits, else in memory
 * the caller frees (*heap). */
static char *clean_text(const char *s, char *buf, size_t len, char **heap)
{
	/* a bad byte becomes three: U+FFFD */
	size_t need = 3 * strlen(s) + 1;

	*heap = NULL;
	if (need > len) {
		*heap = malloc(need);
		if (*heap) {
			buf = *heap;
			len = need;
		}
	}
	return safe_text(buf, len, s, 1);
}

void html_text(FILE *f, const char *s)
{
	char buf[1024], *heap;

	escape_clean(f, clean_text(s, buf, sizeof(buf), &heap));
	free(heap);
}

void html_text_clipped(FILE *f, const char *s, size_t width)
{
	char buf[1024], *heap;
	char *t = clean_text(s, buf, sizeof(buf), &heap);
	size_t keep = units_clip(t, width);
	bool cut = t[keep];

	t[keep] = '\0';
	escape_clean(f, t);
	if (cut)
		fputs("…", f);
	free(heap);
}

void html_href(FILE *f, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
}

void html_begin(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\">\n"
	      /* nothing may be fetched: the page is whole as it is */
	      "<meta http-equiv=\"Content-Security-Policy\" content=\""
	      "default-src 'none'; style-src 'unsafe-inline'; "
	      "script-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"generator\" content=\"lab\">\n<title>",
	      f);
	html_text(f, title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n%s<main>\n",
		style, patterns);
}

void html_end(FILE *f)
{
	fprintf(f, "</main>\n%s</body>\n</html>\n", sort_script);
}

void html_section(FILE *f, const char *id, const char *heading, bool alert)
{
	fprintf(f, "<section id=\"%s\"%s>\n", id,
		alert ? " class=\"alert\"" : "");
	if (heading)
		fprintf(f, "<h2>%s</h2>\n", heading);
}

void html_section_end(FILE *f)
{
	fputs("</section>\n", f);
}

void html_none(FILE *f, const char *why)
{
	fprintf(f, "<p class=\"none\">None in this run%s%s.</p>\n",
		why ? ": " : "", why ? why : "");
}

void html_env_item(FILE *f, const char *term, const char *value)
{
	fprintf(f, "<dt>%s</dt><dd>", term);
	html_text(f, value);
	fputs("</dd>\n", f);
}

void html_env_vm(FILE *f, const char *hypervisor)
{
	fputs("<dt>virtual machine</dt><dd>", f);
	if (!hypervisor[0]) {
		fputs("not recorded in the trace", f);
	} else if (!strcmp(hypervisor, "none")) {
		fputs("no", f);
	} else if (!strcmp(hypervisor, "unknown")) {
		fputs("unknown", f);
	} else {
		fputs("yes: ", f);
		html_text(f, hypervisor);
	}
	fputs("</dd>\n", f);
}

/* what a page-table isolation state means, by the file's first words */
static const char *isolation_means(const char *state, bool untagged)
{
	if (!strncmp(state, "Mitigation: PTI", 15))
		return !untagged
			       ? "user space runs on page tables without the "
				 "kernel in them: every system call, interrupt "
				 "and fault switches page tables"
			       : "user space runs on page tables without the "
				 "kernel in them: every system call, interrupt "
				 "and fault switches page tables, and without "
				 "TLB tags each of those switches empties the "
				 "TLB of user space's entries";
	if (!strcmp(state, "Not affected"))
		return "the CPU is not open to Meltdown: the kernel stays "
		       "mapped in each process, and entering it switches no "
		       "page tables";
	if (!strcmp(state, "Vulnerable"))
		return "isolation is off: the kernel stays mapped in each "
		       "process";
	return NULL;
}

void html_env_switch_costs(FILE *f, const struct lab_trace_info *in)
{
	bool tagged = machine_text_tlb_tagged(in->tlb_tags);
	const char *means;
	char b[32];

	if (in->tlb_tags[0]) {
		fputs("<dt>TLB tags</dt><dd>", f);
		html_text(f, machine_text_tlb_tags(in->tlb_tags));
		if (tagged)
			fputs(": the CPU tags TLB entries with their address "
			      "space, so a switch to another process need not "
			      "empty the TLB",
			      f);
		else if (!strcmp(in->tlb_tags, "none"))
			fputs(": a switch to another process's address space "
			      "empties the TLB of user space's entries",
			      f);
		fputs("</dd>\n", f);
	}
	if (in->page_table_isolation[0]) {
		fputs("<dt>page-table isolation</dt><dd>", f);
		html_text(f, in->page_table_isolation);
		means = isolation_means(in->page_table_isolation,
					!strcmp(in->tlb_tags, "none"));
		if (means)
			fprintf(f, " (%s)", means);
		fputs("</dd>\n", f);
	}
	if (in->tick_ns) {
		fprintf(f,
			"<dt>scheduler tick</dt><dd>%s (HZ %u): how often "
			"the kernel interrupts a busy CPU to account the "
			"running thread's time and check its time slice</dd>\n",
			machine_text_tick(b, sizeof(b), in->tick_ns),
			machine_text_hz(in->tick_ns));
	}
}

void html_figures_begin(FILE *f)
{
	fputs("<div class=\"figs\">\n", f);
}

void html_figure(FILE *f, const char *value, const char *label,
		 const char *detail)
{
	fprintf(f, "<div class=\"fig\"><b>%s</b><span>%s</span>", value, label);
	if (detail && detail[0])
		fprintf(f, "<small>%s</small>", detail);
	fputs("</div>\n", f);
}

void html_figures_end(FILE *f)
{
	fputs("</div>\n", f);
}

void html_table_begin(FILE *f, const char *id, bool sortable,
		      const struct html_col *cols, size_t ncols)
{
	fputs("<div class=\"wide\"><table", f);
	if (id)
		fprintf(f, " id=\"%s\"", id);
	if (sortable)
		fputs(" class=\"sortable\"", f);
	fputs(">\n<thead><tr>", f);
	for (size_t i = 0; i < ncols; i++) {
		fprintf(f, "<th%s", cols[i].text ? " class=\"t\"" : "");
		if (cols[i].hint)
			fprintf(f, " title=\"%s\"", cols[i].hint);
		fputc('>', f);
		html_text(f, cols[i].head);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
}

void html_table_end(FILE *f)
{
	fputs("</tbody></table></div>\n", f);
}

void html_row_begin(FILE *f)
{
	fputs("<tr>", f);
}

void html_row_end(FILE *f)
{
	fputs("</tr>\n", f);
}

void html_td_text(FILE *f, const char *s)
{
	fputs("<td class=\"t\">", f);
	html_text(f, s);
	fputs("</td>", f);
}

void html_td_duration(FILE *f, uint64_t ns)
{
	char b[32];

	fprintf(f, "<td data-v=\"%llu\">%s</td>", (unsigned long long)ns,
		units_duration(b, sizeof(b), ns));
}

void html_td_count(FILE *f, uint64_t n)
{
	char b[32];

	fprintf(f, "<td data-v=\"%llu\">%s</td>", (unsigned long long)n,
		units_count(b, sizeof(b), n));
}

void html_td_none(FILE *f)
{
	fputs("<td data-v=\"-1\">–</td>", f);
}
