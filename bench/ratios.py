#!/usr/bin/env python3
"""Side-by-side table: Cotangent vs PyTensor (C backend) vs JAX (CPU) medians.

Reads the JSONL records of `cotangent-bench` and of the reference suite
(../shared/bench: pytensor_bench.py / jax_bench.py / numpy_bench.py, same schema) and prints a
markdown table per workload/case/variant/phase/n/dtype/threads with the ratios
PyTensor/Cotangent and JAX/Cotangent of the median seconds (> 1: Cotangent is faster).

Matching rules (peer records are matched on workload, case, phase, n, dtype, threads):
  * variant: the same name when the peer has it; otherwise the peer's single variant for that
    key (JAX's jacrev/vjp/grad/hessian); W6 uses JAX's jacrev (reverse mode, like Cotangent's
    jacobian); W8 `jac_scan_of_grad` (Cotangent's loop) is matched with PyTensor's `hessian`
    (a Scan), and Cotangent's `hessian` (vectorized) with PyTensor's `jac_vec_of_grad`.
  * JAX has no separate compile of a pre-built graph: its `compile` is trace + lower + XLA
    compile, i.e. PyTensor's `e2e`. It is shown in both the `compile` and `e2e` rows (marked †).
Python 3 standard library only.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections import OrderedDict

PHASE_ORDER = ["build_diff", "rewrite", "compile_first", "compile", "e2e", "call", "call_trust_input"]
COMPILE_PHASES = {"build_diff", "rewrite", "compile_first", "compile", "e2e"}
CALL_PHASES = {"call", "call_trust_input"}

# Cotangent variant -> peer variant, where the names differ on purpose (see module doc).
PYTENSOR_VARIANT = {("W8", "jac_scan_of_grad"): "hessian", ("W8", "hessian"): "jac_vec_of_grad"}
JAX_VARIANT = {"W6": "jacrev"}
JAX_PHASE = {"e2e": "compile"}  # JAX compile traces too


def load(paths):
    records = []
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        records.append(json.loads(line))
                    except json.JSONDecodeError as e:  # a crashed writer may leave half a line
                        print(f"warning: {path}: skipping an unreadable line ({e})", file=sys.stderr)
    return records


def ft(seconds):
    if seconds is None:
        return "—"
    for limit, scale, unit in ((1, 1, "s"), (1e-3, 1e3, "ms"), (1e-6, 1e6, "µs"), (0, 1e9, "ns")):
        if seconds >= limit:
            v = seconds * scale
            return f"{v:.3g} {unit}" if v < 1000 else f"{v:.0f} {unit}"
    return f"{seconds:.3g} s"


def ratio(peer, ours):
    if peer is None or ours is None or ours <= 0:
        return None
    return peer / ours


def fr(r):
    if r is None:
        return "—"
    return f"{r:.3g}×" if r < 100 else f"{r:.0f}×"


def key(r, phase=None, variant=None):
    return (r["workload"], r.get("case", ""), variant if variant is not None else r.get("variant", ""),
            phase or r["phase"], r.get("n"), r.get("dtype", "float64"), r.get("threads", 1))


def index(records, system):
    """Last record per key for one system."""
    out = {}
    for r in records:
        if r.get("system") == system:
            out[key(r)] = r
    return out


def variants_for(idx, r, phase):
    """Peer variants present for r's key ignoring the variant."""
    k = key(r, phase=phase)
    return sorted({kk[2] for kk in idx if kk[:2] == k[:2] and kk[3:] == k[3:]})


def match(idx, r, system):
    phase = r["phase"]
    if system == "jax":
        phase = JAX_PHASE.get(phase, phase)
        wanted = JAX_VARIANT.get(r["workload"])
    else:
        wanted = PYTENSOR_VARIANT.get((r["workload"], r.get("variant", "")))
    candidates = variants_for(idx, r, phase)
    if not candidates:
        return None, None
    if wanted in candidates:
        v = wanted
    elif r.get("variant", "") in candidates:
        v = r.get("variant", "")
    elif len(candidates) == 1:
        v = candidates[0]
    else:
        return None, None
    return idx[key(r, phase=phase, variant=v)], v


def peer_cell(rec, variant, ours_variant, dagger=False):
    if rec is None:
        return "—", None
    med = rec.get("median_seconds")
    text = ft(med) if rec.get("status", "ok") == "ok" else f"{rec.get('status')}"
    if variant and variant != ours_variant:
        text += f" ({variant})"
    if dagger:
        text += " †"
    return text, med if rec.get("status", "ok") == "ok" else None


def geomean(values):
    values = [v for v in values if v is not None and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


# Bytes a call must move at least (inputs read once, outputs written once), per element.
MINIMUM_BYTES = {("W2", "value"): 16, ("W2", "value_grad"): 32, ("W3", "vjp"): 16}
STREAM_TRIAD_DEFAULT = 19.6e9  # the figure for one core


def bandwidth_section(rows, peers, pt, jx, npy):
    """W2/W3 call throughput as a fraction of the STREAM triad bandwidth of one core."""
    triad = [r for r in peers if r.get("workload") == "P_bw" and r.get("case") == "triad"
             and r.get("threads", 1) == 1 and r.get("gbps_median")]
    stream = triad[-1]["gbps_median"] * 1e9 if triad else STREAM_TRIAD_DEFAULT
    source = "STREAM triad of the reference records" if triad else "STREAM triad ≈ 19.6 GB/s (the issue's figure)"
    out = ["", f"Memory bandwidth reached (minimum bytes a call moves / median time, as a fraction of the "
           f"{source}: {stream / 1e9:.1f} GB/s, 1 thread):", "",
           "| workload | case | n | bytes/call | cotangent | fraction | pytensor | jax | numpy |",
           "|---|---|---|---|---|---|---|---|---|"]
    count = 0
    for r in rows:
        per = MINIMUM_BYTES.get((r["workload"], r.get("case", "")))
        if per is None or r["phase"] != "call" or r.get("threads", 1) != 1 or not r.get("n"):
            continue
        if r.get("status", "ok") != "ok" or not r.get("median_seconds"):
            continue
        total = per * r["n"]

        def rate(rec):
            if rec is None or not rec.get("median_seconds"):
                return "—"
            return f"{total / rec['median_seconds'] / 1e9:.1f} GB/s ({total / rec['median_seconds'] / stream:.0%})"
        prec, _ = match(pt, r, "pytensor")
        jrec, _ = match(jx, r, "jax")
        nrec = npy.get(key(r, variant="manual")) or npy.get(key(r, variant=""))
        ours = total / r["median_seconds"]
        out.append(f"| {r['workload']} | {r.get('case', '')} | {r['n']} | {total / 1e6:.0f} MB | "
                   f"{ours / 1e9:.1f} GB/s | {ours / stream:.0%} | {rate(prec)} | {rate(jrec)} | {rate(nrec)} |")
        count += 1
    return out if count else []


def memory_section(records):
    """Peak resident memory per system and workload, minus the system's idle process."""
    peak = {(r["system"], r["workload"]): r for r in records if r.get("phase") == "memory"}
    systems = [s for s in ("cotangent", "pytensor", "jax") if any(k[0] == s for k in peak)]
    out = ["", "Peak memory (whole process, one process per system and workload running all its cases, "
           "1 thread; `none` is the same program loading its runtime and running nothing; "
           "Δ = peak − none):", "",
           "| workload | " + " | ".join(f"{s} peak | {s} Δ" for s in systems) + " |",
           "|---|" + "---|---|" * len(systems)]
    for workload in ("none", "W2", "W5"):
        cells = []
        for system in systems:
            rec, base = peak.get((system, workload)), peak.get((system, "none"))
            if rec is None or rec.get("status") != "ok":
                cells += ["—", "—"]
                continue
            mib = rec["peak_rss_bytes"] / 2**20
            delta = "" if base is None or workload == "none" else f"{mib - base['peak_rss_bytes'] / 2**20:.0f} MiB"
            cells += [f"{mib:.0f} MiB", delta or "—"]
        out.append(f"| {workload} | " + " | ".join(cells) + " |")
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cotangent", nargs="+", required=True, help="cotangent-bench JSONL file(s)")
    p.add_argument("--reference", nargs="*", default=[], help="reference suite JSONL file(s)")
    p.add_argument("--reference-label", default="", help="where the peer numbers come from")
    p.add_argument("--memory", default="", help="peak-memory JSONL from bench/peak_rss.py (optional)")
    p.add_argument("--out", default=None, help="also write the markdown here")
    args = p.parse_args()

    ours = [r for r in load(args.cotangent) if r.get("system") == "cotangent"]
    peers = load(args.reference) if args.reference else []
    pt, jx, npy = index(peers, "pytensor"), index(peers, "jax"), index(peers, "numpy")

    # last record per key, in first-seen order
    table = OrderedDict()
    for r in ours:
        table[key(r)] = r
    rows = sorted(table.values(), key=lambda r: (
        r["workload"], r.get("case", ""), r.get("variant", ""), r.get("dtype", ""),
        r.get("threads", 1), -1 if r.get("n") is None else r["n"],
        PHASE_ORDER.index(r["phase"]) if r["phase"] in PHASE_ORDER else 99))

    lines = []
    modes = sorted({r.get("mode", "?") for r in ours})
    run_ids = sorted({r.get("run_id", "?") for r in ours})
    lines.append(f"Cotangent records: {len(ours)} (mode {', '.join(modes)}; run {', '.join(run_ids)})")
    if peers:
        peer_runs = sorted({r.get("run_id", "?") for r in peers if r.get("system") in ("pytensor", "jax")})
        peer_modes = sorted({r.get("mode", "?") for r in peers if r.get("system") in ("pytensor", "jax")})
        lines.append(f"Peer records: {args.reference_label or ', '.join(args.reference)} "
                     f"(mode {', '.join(peer_modes)}; run {', '.join(peer_runs)})")
    lines.append("Medians; ratio = peer / Cotangent (> 1: Cotangent faster). † JAX compile = trace+lower+compile "
                 "(≈ PyTensor e2e). — = not measured / no matching peer record (quick-mode sizes differ from "
                 "the full-mode reference sizes for W3/W4).")
    lines.append("")
    header = ["workload", "case", "variant", "phase", "n", "dtype", "thr", "cotangent", "pytensor", "jax",
              "numpy", "PT/Ct", "JAX/Ct", "check"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    summary = {}
    for r in rows:
        med = r.get("median_seconds") if r.get("status", "ok") == "ok" else None
        ours_text = ft(med) if r.get("status", "ok") == "ok" else f"**{r.get('status')}**"
        prec, pvar = match(pt, r, "pytensor")
        jrec, jvar = match(jx, r, "jax")
        nrec = npy.get(key(r, variant="manual")) or npy.get(key(r, variant=""))
        if r["phase"] not in CALL_PHASES:
            nrec = None
        ptext, pmed = peer_cell(prec, pvar, r.get("variant", ""))
        jtext, jmed = peer_cell(jrec, jvar, r.get("variant", ""), dagger=r["phase"] in ("compile", "e2e") and jrec is not None)
        ntext = ft(nrec.get("median_seconds")) if nrec else "—"
        rp, rj = ratio(pmed, med), ratio(jmed, med)
        group = "call" if r["phase"] in CALL_PHASES else "compile-type"
        s = summary.setdefault((group, r.get("threads", 1)), {"pt": [], "jax": []})
        s["pt"].append(rp)
        s["jax"].append(rj)
        check = r.get("check")
        check_text = "—" if check is None else ("ok" if check == "ok" else "**FAIL**")
        n = "" if r.get("n") is None else str(r["n"])
        lines.append("| " + " | ".join([
            r["workload"], r.get("case", ""), r.get("variant", ""), r["phase"], n, r.get("dtype", ""),
            str(r.get("threads", 1)), ours_text, ptext, jtext, ntext, fr(rp), fr(rj), check_text]) + " |")

    lines.append("")
    lines.append("Geometric mean of the ratios (rows where both numbers exist):")
    lines.append("")
    lines.append("| phases | threads | PyTensor/Cotangent | rows | JAX/Cotangent | rows |")
    lines.append("|---|---|---|---|---|---|")
    for (group, threads), s in sorted(summary.items()):
        gp, gj = geomean(s["pt"]), geomean(s["jax"])
        lines.append(f"| {group} | {threads} | {fr(gp)} | {sum(v is not None for v in s['pt'])} | "
                     f"{fr(gj)} | {sum(v is not None for v in s['jax'])} |")

    lines.extend(bandwidth_section(rows, peers, pt, jx, npy))
    if args.memory:
        lines.extend(memory_section(load([args.memory])))

    problems = [r for r in rows if r.get("status", "ok") != "ok" or (r.get("check") not in (None, "ok"))]
    if problems:
        lines.append("")
        lines.append("Not ok (status / check):")
        lines.append("")
        seen = set()
        for r in problems:
            msg = r.get("check") if r.get("check") not in (None, "ok") else r.get("note", "")
            k = (r["workload"], r.get("case"), r.get("variant"), r.get("status"), msg)
            if k in seen:
                continue
            seen.add(k)
            lines.append(f"- {r['workload']} {r.get('case', '')} {r.get('variant', '')} n={r.get('n')}: "
                         f"status `{r.get('status')}`, check `{r.get('check')}` — {msg}")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
