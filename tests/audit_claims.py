#!/usr/bin/python3
"""audit_claims.py - checks every claim of family comparisons
("lab-comparison/1") against the figures beside it.

    tests/audit_claims.py FILE.json...

An oracle of its own: the rules an explanation must keep are written out
again here from docs/report-schema.md ("Calling an order") and the way
analyzer/claim.c says a figure, a ratio or a share, without lab's code.
For each claim it checks that

  evidence  each figure is the model's median of its metric (with its
            range), "cpus" environment.cpus, "excluded_runs" the model's
            count;
  figure    the text shows each as lab shows a figure of its unit;
  order     each order stated is the one the margin gives from the
            medians and ranges; where the JSON rounds a figure (a mean,
            a figure per task), a relation within 0.5% of the margin's
            edge, or one its rounding could have decided, is skipped and
            counted;
  ratio     each ratio is the medians' quotient, shown "1.8×" (one
            decimal under 10), and the text shows it;
  share     each share is part / whole, shown "46%", in the text, and
            never a sum over threads set against a wall time;
  text      "A x > B y" and "A x ≈ B y", "A cost more than B", "A above
            B", "A took longer than B", "A measured cheapest" and each
            "too close to call" agree with the orders recorded;
  expected  "as expected" is never said of an order against the
            expected one (processes, then threads, then events and
            coroutines alike, in cost), and "against the expected
            order" only of one.

Prints one line per violation, "FILE: claim N (RULE): KIND: what", the
claim's text after its violations, then a summary line; exits 1 if any
violation, 2 if a file cannot be read or is not a comparison. Needs only
the standard library.
"""

import json
import math
import re
import sys

SCHEMA = "lab-comparison/1"
MODELS = ("processes", "threads", "events", "coroutines", "serial")
# the expected order of cost, most first; serial is outside it. Events and
# coroutines share a place: the course text expects them to differ by a
# user-space switch, so neither order between them is against it.
EXPECTED = {"processes": 0, "threads": 1, "events": 2, "coroutines": 2}
# figures summed over every thread of a run: they can exceed its wall time
THREAD_SUMS = {"oncpu_ns", "offcpu_ns", "runq_wait_ns", "lock_wait_ns",
               "kernel_lock_wait_ns"}
WALL = {"wall_ns"}
# the relative distance from the margin's edge within which the JSON's
# rounding may have decided an order
NEAR_EDGE = 0.005

NS, COUNT, AVG, KIB, RATIO, SHARE = "ns", "count", "avg", "kib", "ratio", \
    "share"


# figures of the machine a claim may cite (evidence with model null)
MACHINE_FIGURES = ("cpus", "tick_ns")


def thread_sum(key):
    return key in THREAD_SUMS or (key.startswith("offcpu_") and
                                  key.endswith("_ns"))


def unit_of(key):
    """A metric's unit, from its name (docs/report-schema.md)."""
    if key in ("cpus", "excluded_runs"):
        return COUNT
    if key == "tick_ns":
        return NS
    if key == "cpus_busy":
        return RATIO
    if key.endswith("_share"):
        return SHARE
    if key.endswith("_kb"):
        return KIB
    words = key.split("_")
    if "ns" in words:
        return NS
    if "per" in words:
        return AVG
    return COUNT


def quantum(key):
    """Half the step the JSON rounds a figure to: three decimals for a
    figure per task, CPUs busy and a share; integers for the rest, which
    are exact where a run measures a whole number (a time, a count) and
    not for a mean or a figure per something."""
    unit = unit_of(key)
    if unit in (AVG, RATIO, SHARE):
        return 0.0005
    if "per" in key.split("_") or key in ("fork_to_run_ns",
                                          "create_call_ns"):
        return 0.5
    return 0.0


# ---- figures as lab shows them ----

def c_round(v):
    """C's llround: halves away from zero."""
    return int(math.floor(abs(v) + 0.5)) * (1 if v >= 0 else -1)


def show_count(n):
    return "{:,}".format(int(n))


def show_duration(ns):
    ns = int(ns)
    if ns < 1000:
        return "%d ns" % ns
    units = ((1e3, "µs"), (1e6, "ms"), (1e9, "s"))
    for i, (scale, unit) in enumerate(units):
        v = ns / scale
        if v >= 999.5 and i < len(units) - 1:
            continue
        if v >= 99.95:
            return "%.0f %s" % (v, unit)
        if v >= 9.995:
            return "%.1f %s" % (v, unit)
        return "%.2f %s" % (v, unit)
    return None


def c_g(v, prec):
    """C's %.Ng: Python's "g" is the same conversion."""
    return "%.*g" % (prec, v)


def show(v, unit):
    if unit == NS:
        return show_duration(max(c_round(v), 0))
    if unit == COUNT:
        return show_count(max(c_round(v), 0))
    if unit == AVG:
        if 0 < v < 0.095:
            return c_g(v, 2)
        if v < 9.95 and v != math.floor(v):
            return "%.1f" % v
        return show_count(max(c_round(v), 0))
    if unit == KIB:
        return show_count(max(c_round(v), 0)) + " kB"
    if unit == RATIO:
        if 0 < v < 0.0095:
            return c_g(v, 1)
        return "%.2f" % v
    if unit == SHARE:
        if 0 < v < 0.00005:
            return "under 0.01%"
        return "%.*f%%" % (2 if 0 < v < 0.01 else 1, 100 * v)
    return None


def shown_forms(v, key):
    """Every way lab may have shown a figure the JSON rounded to v."""
    unit = unit_of(key)
    q = quantum(key)
    forms = {show(v, unit)}
    if unit in (AVG, RATIO, SHARE):
        # -q itself: a figure exactly half a step below (90 / 4000 =
        # 0.0225) is rounded up in the JSON, and may be shown below it
        for d in (-q, -q * 0.999, q * 0.999):
            if v + d >= 0:
                forms.add(show(v + d, unit))
        # a whole number in the JSON may have been a fraction
        if unit == AVG and 0 < v < 9.95 and v == math.floor(v):
            forms.add("%.1f" % v)
    return forms


def in_text(text, s):
    """s in text as a figure of its own: not part of a longer number."""
    start = 0
    while True:
        i = text.find(s, start)
        if i < 0:
            return False
        before = text[i - 1] if i else ""
        after = text[i + len(s):i + len(s) + 2]
        if not (before.isdigit() or before in ".,-") and not (
                after[:1].isdigit() or
                (after[:1] in ".," and after[1:2].isdigit())):
            return True
        start = i + 1


# ---- calling an order (docs/report-schema.md, "Calling an order") ----

def order_of(x, y, margin_single, margin_repeated):
    """The order of x against y, each (median, min, max, runs)."""
    xm, xlo, xhi, xn = x
    ym, ylo, yhi, yn = y
    margin = margin_single
    if xn > 1 and yn > 1:
        if xhi >= ylo and yhi >= xlo:
            return "close"
        margin = margin_repeated
    lo, hi = min(xm, ym), max(xm, ym)
    if hi <= lo * (1 + margin) or hi == lo:
        return "close"
    return "below" if xm < ym else "above"


def flip(order):
    return {"above": "below", "below": "above"}.get(order, order)


def corners(stat, q):
    """The figures the JSON's rounded ones may have been."""
    m, lo, hi, n = stat
    return [(max(m + dm, 0), max(lo + dl, 0), max(hi + dh, 0), n)
            for dm in (-q, q) for dl in (-q, q) for dh in (-q, q)]


class Audit:
    def __init__(self):
        self.files = self.claims = self.checked = self.skipped = 0
        self.violations = 0

    def say(self, where, kind, what):
        self.violations += 1
        print("%s: %s: %s" % (where, kind, what))

    # -- one file --

    def audit_file(self, path):
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print("%s: cannot read: %s" % (path, e), file=sys.stderr)
            return False
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
            print("%s: not a %s document" % (path, SCHEMA), file=sys.stderr)
            return False
        self.files += 1
        self.doc = doc
        self.models = {m["model"]: m
                       for m in doc["comparison"]["models"]}
        # the names claims may use: the models', and any a comparison of
        # commands gave its columns (longest first, so none is cut)
        names = sorted(set(MODELS) | set(self.models), key=len,
                       reverse=True)
        self.names_re = "|".join(re.escape(n) for n in names)
        margin = doc["margin"]
        self.by_metric = margin["single_run_by_metric"]
        self.single = margin["single_run"]
        self.repeated = margin["repeated"]
        for i, cl in enumerate(doc["explanation"]):
            self.claims += 1
            self.audit_claim("%s: claim %d (%s)" % (path, i + 1, cl["rule"]),
                             cl)
        return True

    def canon(self, said):
        """The model a name in the text stands for: itself, or the one it
        is with a capital at the head of a sentence."""
        for n in list(self.models) + list(MODELS):
            if n == said:
                return n
        for n in list(self.models) + list(MODELS):
            if n.lower() == said.lower():
                return n
        return said

    def stat(self, model, metric):
        """(median, min, max, runs) of a model's metric, or None."""
        m = self.models.get(model)
        s = m and m["metrics"].get(metric)
        if not s:
            return None
        return (s["median"], s["min"], s["max"], s["runs"])

    # -- a. evidence --

    def audit_evidence(self, where, cl):
        """Checks each figure; returns {(model, shown): [metric]}."""
        text = cl["claim"]
        figures = {}
        for e in cl["evidence"]:
            metric, model, v = e["metric"], e["model"], e["value"]
            unit = unit_of(metric)
            name = "%s of %s" % (metric, model) if model else metric
            if model is None:
                want = (self.doc["environment"].get(metric)
                        if metric in MACHINE_FIGURES else None)
                if want is None:
                    self.say(where, "evidence",
                             "%s = %s: no such figure of the machine"
                             % (metric, v))
                elif v != want:
                    self.say(where, "evidence",
                             "%s = %s, environment.%s is %s"
                             % (metric, v, metric, want))
            elif model not in self.models:
                self.say(where, "evidence",
                         "%s = %s: %s did not run" % (name, v, model))
            elif metric == "excluded_runs":
                want = self.models[model]["excluded_runs"]
                if v != want:
                    self.say(where, "evidence",
                             "%s = %s, the model's excluded_runs is %s"
                             % (name, v, want))
            else:
                s = self.stat(model, metric)
                if s is None:
                    self.say(where, "evidence",
                             "%s = %s: the comparison has no such figure"
                             % (name, v))
                elif (v, e["min"], e["max"], e["runs"]) != s:
                    self.say(where, "evidence",
                             "%s = %s (min %s, max %s, %s runs), the "
                             "comparison's median %s (min %s, max %s, %s "
                             "runs)" % ((name, v, e["min"], e["max"],
                                         e["runs"]) + s))
            forms = shown_forms(v, metric)
            if not any(in_text(text, s) for s in forms):
                hint = ""
                if unit == SHARE and v == math.floor(v):
                    hint = " (the JSON holds this share rounded to a " \
                           "whole number)"
                self.say(where, "figure",
                         "%s = %s is shown as %s, which the text does not "
                         "hold%s" % (name, v, " or ".join(sorted(forms)),
                                     hint))
            for s in forms:
                figures.setdefault((model, s), []).append(metric)
        return figures

    # -- b. orders --

    def recompute(self, r):
        """The order of a relation from the JSON, or None when the
        rounding may have decided it; "unknown" without the figures."""
        x = self.stat(r["model_a"], r["metric_a"])
        y = self.stat(r["model_b"], r["metric_b"])
        if x is None or y is None:
            return "unknown"
        margin = self.by_metric.get(r["metric_a"], self.single)
        want = order_of(x, y, margin, self.repeated)
        qa = quantum(r["metric_a"])
        qb = quantum(r["metric_b"])
        if not qa and not qb:
            return want  # whole numbers, exact in the JSON
        # near the margin's edge the JSON's rounding may have decided it
        lo, hi = min(x[0], y[0]), max(x[0], y[0])
        edge = lo * (1 + (self.repeated if x[3] > 1 and y[3] > 1
                          else margin))
        if hi != lo and abs(hi - edge) <= NEAR_EDGE * edge:
            return None
        for cx in corners(x, qa):
            for cy in corners(y, qb):
                if order_of(cx, cy, margin, self.repeated) != want:
                    return None
        return want

    def audit_orders(self, where, cl):
        for r in cl["relations"]:
            if r["kind"] != "order":
                continue
            want = self.recompute(r)
            if want is None:
                self.skipped += 1
                continue
            self.checked += 1
            if r["order"] != want:
                self.say(where, "order",
                         "%s against %s on %s: recorded %s, the margin "
                         "gives %s (%s against %s)" % (
                             r["model_a"], r["model_b"], r["metric_a"],
                             r["order"], want,
                             self.figure(r["model_a"], r["metric_a"]),
                             self.figure(r["model_b"], r["metric_b"])))

    def figure(self, model, metric):
        s = self.stat(model, metric)
        if s is None:
            return "none"
        if s[3] > 1:
            return "%s [%s, %s]" % s[:3]
        return str(s[0])

    # -- c, d. ratios and shares --

    def quotient(self, r):
        """The interval the exact quotient lies in, or None."""
        x = self.stat(r["model_a"], r["metric_a"])
        y = self.stat(r["model_b"], r["metric_b"])
        if x is None or y is None:
            return None
        qa = quantum(r["metric_a"])
        qb = quantum(r["metric_b"])
        a_lo, a_hi = max(x[0] - qa, 0), x[0] + qa
        b_lo, b_hi = y[0] - qb, y[0] + qb
        if b_hi <= 0:
            return None
        lo = a_lo / b_hi
        hi = a_hi / b_lo if b_lo > 0 else math.inf
        return lo, hi

    @staticmethod
    def fits_shown(shown, lo, hi, suffix, scale, decimals):
        """Whether shown ("1.8×", "46%") is how some value in [lo, hi]
        is shown, decimals(v) digits after the point."""
        if not shown.endswith(suffix):
            return False
        body = shown[:-len(suffix)]
        if not re.fullmatch(r"\d+(\.\d+)?", body):
            return False
        d = len(body.split(".")[1]) if "." in body else 0
        s = float(body) / scale
        half = 0.5 * 10 ** -d / scale
        a, b = max(lo, s - half), min(hi, s + half)
        if a > b:
            return False
        # the number of decimals must be the rule's at some value there
        return any(decimals(v) == d for v in (a, b, (a + b) / 2))

    def audit_quotients(self, where, cl):
        text = cl["claim"]
        for r in cl["relations"]:
            if r["kind"] not in ("ratio", "share"):
                continue
            self.checked += 1
            what = "%s %s / %s %s" % (r["model_a"], r["metric_a"],
                                      r["model_b"], r["metric_b"])
            kind = r["kind"]
            if kind == "share" and thread_sum(r["metric_a"]) and \
                    r["metric_b"] in WALL:
                self.say(where, "share",
                         "%s: a sum over threads as a share of a wall "
                         "time (it can exceed it)" % what)
            span = self.quotient(r)
            if span is None:
                self.say(where, kind, "%s: the comparison has no such "
                         "figures, or the whole is 0" % what)
                continue
            lo, hi = span
            v = r["value"]
            if not lo - 0.0005 - 1e-9 <= v <= hi + 0.0005 + 1e-9:
                self.say(where, kind,
                         "%s = %s recorded, the medians give %.4g" % (
                             what, v, (lo + hi) / 2 if hi < math.inf
                             else lo))
            shown = r["shown"]
            if kind == "ratio":
                ok = self.fits_shown(shown, lo, hi, "×", 1,
                                     lambda x: 1 if x < 10 else 0)
            else:
                ok = self.fits_shown(shown, lo, hi, "%", 100, lambda x: 0)
            if not ok:
                self.say(where, kind,
                         "%s shown \"%s\", the medians give %s" % (
                             what, shown, self.quotient_shown(kind, lo, hi)))
            want = "(%s)" % shown if kind == "ratio" else shown
            if not in_text(text, want):
                self.say(where, kind, "%s shown \"%s\", which the text "
                         "does not hold" % (what, want))

    @staticmethod
    def quotient_shown(kind, lo, hi):
        v = lo if hi == math.inf else (lo + hi) / 2
        if kind == "ratio":
            return "%.*f×" % (1 if v < 10 else 0, v)
        return "%.0f%%" % (100 * v)

    # -- e, f. what the text says of orders --

    def orders_between(self, cl, a, b, metric=None):
        """The orders recorded of a against b (flipped where recorded
        the other way round)."""
        out = []
        for r in cl["relations"]:
            if r["kind"] != "order":
                continue
            if metric and r["metric_a"] != metric:
                continue
            if (r["model_a"], r["model_b"]) == (a, b):
                out.append(r["order"])
            elif (r["model_a"], r["model_b"]) == (b, a):
                out.append(flip(r["order"]))
        return out

    def stated(self, where, cl, a, b, want, said, metric=None):
        """The text says a is `want` (above, close) against b."""
        if a == b:
            return
        got = self.orders_between(cl, a, b, metric)
        if not got:
            self.say(where, "text", "\"%s\": no order of %s against %s is "
                     "recorded" % (said, a, b))
        elif want not in got:
            self.say(where, "text", "\"%s\": recorded %s against %s: %s" %
                     (said, a, b, ", ".join(got)))

    def chains(self, text, figures):
        """The rankings in the text: lists of (model, shown, start, end,
        separator before it), "A x > B y ≈ C z, D w"."""
        forms = sorted({s for (_, s) in figures}, key=len, reverse=True)
        if not forms:
            return []
        token = re.compile(r"(%s) (%s)" % (self.names_re, "|".join(
            re.escape(s) for s in forms)))
        found = []
        for m in token.finditer(text):
            if (self.canon(m.group(1)), m.group(2)) not in figures:
                continue
            end = m.end()
            if text[end:end + 1].isdigit() or (
                    text[end:end + 1] in ".," and
                    text[end + 1:end + 2].isdigit()):
                continue
            found.append((self.canon(m.group(1)), m.group(2), m.start(),
                          end))
        out, chain = [], []
        for t in found:
            if chain:
                gap = text[chain[-1][3]:t[2]]
                if gap in (" > ", " ≈ ", ", "):
                    chain.append(t + (gap.strip(),))
                    continue
                out.append(chain)
            chain = [t + ("",)]
        if chain:
            out.append(chain)
        return [c for c in out if len(c) > 1 and
                any(t[4] in (">", "≈") for t in c)]

    def audit_text(self, where, cl, figures):
        text = cl["claim"]
        models = self.names_re
        chains = self.chains(text, figures)
        # "A x > B y", "A x ≈ B y", figures of one metric
        for chain in chains:
            for prev, t in zip(chain, chain[1:]):
                if t[4] not in (">", "≈"):
                    continue
                metrics = set(figures[(prev[0], prev[1])]) & \
                    set(figures[(t[0], t[1])])
                said = text[prev[2]:t[3]]
                if not metrics:
                    self.say(where, "text", "\"%s\": figures of different "
                             "metrics compared" % said)
                    continue
                want = "above" if t[4] == ">" else "close"
                got = [o for m in metrics
                       for o in self.orders_between(cl, prev[0], t[0], m)]
                if not got:
                    self.say(where, "text", "\"%s\": no order of %s "
                             "against %s is recorded" %
                             (said, prev[0], t[0]))
                elif want not in got:
                    self.say(where, "text", "\"%s\": recorded %s against "
                             "%s: %s" % (said, prev[0], t[0],
                                         ", ".join(got)))
        # "A cost more than B", "A took longer than B"
        for m in re.finditer(r"(?i)\b(%s) (?:cost more than|took longer "
                             r"than) (%s)\b" % (models, models), text):
            self.stated(where, cl, self.canon(m.group(1)),
                        self.canon(m.group(2)), "above",
                        m.group(0))
        # "Processes against threads: processes cost more"
        for m in re.finditer(r"(?i)\b(%s) against (%s): (%s) cost more\b"
                             r"(?! than)" % (models, models, models), text):
            a = self.canon(m.group(3))
            b = self.canon(m.group(2)) if a == self.canon(m.group(1)) \
                else self.canon(m.group(1))
            self.stated(where, cl, a, b, "above", m.group(0))
        # ": processes cost more (2.9×), as expected", "(more for
        # processes, as expected)": above the other of a pair recorded
        for m in re.finditer(r"(?i)\b(%s) cost more\b(?! than)|"
                             r"\(more for (%s)\b" % (models, models), text):
            a = self.canon(m.group(1) or m.group(2))
            got = [o for r in cl["relations"] if r["kind"] == "order"
                   for o in [r["order"] if r["model_a"] == a
                             else flip(r["order"]) if r["model_b"] == a
                             else None] if o]
            if "above" not in got:
                self.say(where, "text", "\"%s\": %s recorded above no "
                         "model (%s)" % (m.group(0), a,
                                         ", ".join(got) or "no order"))
        # "A above B and C", "and D above E"
        for m in re.finditer(r"\b(%s) above ((?:%s)(?: and (?:%s)(?! "
                             r"above))*)" % (models, models, models), text):
            for b in m.group(2).split(" and "):
                self.stated(where, cl, m.group(1), b, "above", m.group(0))
        # "; coroutines 2.06 s is above it": above the lowest
        low = re.search(r"\b(%s) had the lowest\b" % models, text)
        if low:
            for m in re.finditer(r"; (%s) [^;]*? is above it" % models,
                                 text):
                self.stated(where, cl, m.group(1), low.group(1), "above",
                            m.group(0))
        # "Coroutines measured cheapest by ...": below every other
        m = re.search(r"(?i)\b(%s) measured cheapest\b" % models, text)
        if m:
            a = self.canon(m.group(1))
            others = {r["model_b"] if r["model_a"] == a else r["model_a"]
                      for r in cl["relations"] if r["kind"] == "order" and
                      a in (r["model_a"], r["model_b"])}
            if not others:
                self.say(where, "text", "\"%s\": no order of %s is "
                         "recorded" % (m.group(0), a))
            for b in sorted(others):
                self.stated(where, cl, a, b, "below", m.group(0))
        self.audit_close(where, cl, chains)
        self.audit_expected(where, cl)

    def audit_close(self, where, cl, chains):
        """Each "too close to call" names pairs that are close."""
        text = cl["claim"]
        models = self.names_re
        phrase = "too close to call"
        placed = set()

        def pair(m, a, b):
            placed.add(text.find(phrase, m.start()))
            self.stated(where, cl, self.canon(a), self.canon(b), "close",
                        m.group(0))

        for m in re.finditer(r"\b(%s) and (%s) too close to call" %
                             (models, models), text):
            pair(m, m.group(1), m.group(2))
        for m in re.finditer(r"(?i)\b(%s) against (%s): too close to call"
                             % (models, models), text):
            pair(m, m.group(1), m.group(2))
        for m in re.finditer(r"for (%s) and [^()]*? for (%s) \(too close "
                             r"to call between them\)" % (models, models),
                             text):
            pair(m, m.group(1), m.group(2))
        for m in re.finditer(r"yet (%s) took [^,;]+ against their [^,;]+, "
                             r"too close to call" % models, text):
            pair(m, m.group(1), "coroutines")
        for m in re.finditer(r"\b(%s) had the lowest, [^,]+, too close to "
                             r"call against (.*?)(?:;|\.(?: |$))" % models,
                             text):
            for b in re.findall(r"\b(%s)\b" % models, m.group(2)):
                pair(m, m.group(1), b)
        # a ranking: "A x, B y, C z: ...; B too close to call against
        # either", or "A x ≈ B y, too close to call."
        for chain in chains:
            groups, group = [], []
            for t in chain:
                if t[4] == ">":
                    groups.append(group)
                    group = []
                group.append(t[0])
            groups.append(group)
            end = chain[-1][3]
            if text.startswith(", " + phrase, end):
                placed.add(end + 2)
                for i, a in enumerate(chain):
                    for b in chain[i + 1:]:
                        self.stated(where, cl, a[0], b[0], "close",
                                    text[chain[0][2]:end + 2 + len(phrase)])
            for m in re.finditer(r"; (%s) too close to call against "
                                 r"(either|the others)" % models,
                                 text[end:]):
                placed.add(end + m.start() + 2 + len(m.group(1)) + 1)
                for g in groups:
                    if m.group(1) in g:
                        for b in g:
                            self.stated(where, cl, m.group(1), b, "close",
                                        m.group(0)[2:])
        # any other: some pair of the claim must be recorded close
        closes = [r for r in cl["relations"]
                  if r["kind"] == "order" and r["order"] == "close"]
        for m in re.finditer(phrase, text):
            if m.start() in placed or closes:
                continue
            self.say(where, "text", "says \"%s\" but records no pair "
                     "too close to call" % phrase)
            break

    def audit_expected(self, where, cl):
        """ "as expected" never of an order against the expected one;
        "against the expected order" only of one."""
        text = cl["claim"]
        against = []
        for r in cl["relations"]:
            a, b = r["model_a"], r["model_b"]
            if r["kind"] != "order" or a not in EXPECTED or \
                    b not in EXPECTED:
                continue
            if (r["order"] == "above" and EXPECTED[a] > EXPECTED[b]) or \
                    (r["order"] == "below" and EXPECTED[a] < EXPECTED[b]):
                against.append("%s %s %s on %s" % (a, r["order"], b,
                                                   r["metric_a"]))
        if "as expected" in text and against:
            self.say(where, "expected", "says \"as expected\", yet records "
                     "%s" % "; ".join(against))
        if "against the expected order" in text and not against:
            self.say(where, "expected", "says \"against the expected "
                     "order\", yet records no order against it")

    def audit_claim(self, where, cl):
        before = self.violations
        figures = self.audit_evidence(where, cl)
        self.audit_orders(where, cl)
        self.audit_quotients(where, cl)
        self.audit_text(where, cl, figures)
        if self.violations > before:
            print("    the claim: \"%s\"" % cl["claim"])


def main(argv):
    args = argv[1:]
    if not args or any(a.startswith("-") for a in args):
        print("usage: tests/audit_claims.py FILE.json...", file=sys.stderr)
        return 2
    audit = Audit()
    unreadable = 0
    for path in args:
        if not audit.audit_file(path):
            unreadable += 1
    print("audited %d comparisons: %d claims, %d relations checked, %d "
          "skipped near the margin, %d violations" % (
              audit.files, audit.claims, audit.checked, audit.skipped,
              audit.violations))
    if unreadable:
        return 2
    return 1 if audit.violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
