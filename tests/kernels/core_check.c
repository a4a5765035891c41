/* core_check.c - core-check OBJECT BTF: whether the probes built for
 * another architecture (OBJECT, e.g. build/arm64/lab.bpf.o) relocate
 * against that kernel's BTF (BTF, e.g. build/arm64/vmlinux.btf), without
 * that kernel: prints the features probe_compat finds in BTF, chooses
 * the programs as lab run would there, and lets libbpf perform every
 * CO-RE relocation of those programs against BTF. A relocation that
 * finds no target fails the check, except in the older kernels' field
 * flavours (___o), whose reads are guarded by bpf_core_field_exists.
 *
 * libbpf relocates before it loads: the load into this machine's kernel
 * that follows may fail (its own struct layouts differ) and says nothing
 * about the other kernel, so only the relocations are judged. Needs
 * root, as any load does. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "probes/probe_compat.h"

static int relocs, bad;
static char spec[1024]; /* the relocation libbpf is working on */

/* Whether a libbpf line starts a relocation: "relo #N: <kind> ...". */
static bool starts_relo(const char *line)
{
	const char *r = strstr(line, ": relo #");

	r = r ? strchr(r + 2, ':') : NULL;
	return r && r[1] == ' ' && r[2] == '<';
}

/* Reads libbpf's own account of the relocations. */
static int on_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];

	(void)level;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (starts_relo(line))
		snprintf(spec, sizeof(spec), "%s", line);
	if (strstr(line, ": relo #") && strstr(line, "patched insn"))
		relocs++;
	if (strstr(line, "failed to perform CO-RE relocations") ||
	    (strstr(line, "no matching targets found") &&
	     !strstr(spec, "___o"))) {
		bad++;
		fprintf(stderr, "%s%s", spec, line);
	}
	return 0;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct probe_wants all = {.markers = true, .creation_calls = true};
	struct bpf_object *obj;
	struct bpf_program *p = NULL;
	struct btf *btf;
	unsigned f;
	int loaded = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: core-check OBJECT BTF\n");
		return 2;
	}
	btf = btf__parse(argv[2], NULL);
	if (!btf) {
		fprintf(stderr, "lab: core-check: reading %s failed\n",
			argv[2]);
		return 1;
	}
	f = probe_compat_detect(btf);
	btf__free(btf);
	for (const struct probe_feature_info *i = probe_compat_features; i->bit;
	     i++)
		printf("%-44s %s\n", i->what, f & i->bit ? "ok" : "MISSING");
	opts.btf_custom_path = argv[2];
	obj = bpf_object__open_file(argv[1], &opts);
	if (!obj) {
		fprintf(stderr, "lab: core-check: opening %s failed\n",
			argv[1]);
		return 1;
	}
	while ((p = bpf_object__next_program(obj, p))) {
		bool on = probe_compat_loads(f, &all, bpf_program__name(p));

		bpf_program__set_autoload(p, on);
		loaded += on;
	}
	libbpf_set_print(on_log);
	bpf_object__load(obj); /* this kernel's verdict is not the question */
	bpf_object__close(obj);
	printf("%d programs, %d CO-RE relocations against %s, %d failed\n",
	       loaded, relocs, argv[2], bad);
	return bad || !relocs || probe_compat_missing(f) ? 1 : 0;
}
