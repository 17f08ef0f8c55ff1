"""Draws the chart of one scripts/bench.sh run: requests/s and server CPU per request, per target.

    python scripts/bench/chart.py SUMMARY_JSON OUT_PNG
Needs matplotlib (the .venv-bench venv has it); renders off-screen (Agg).
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

summary_path, out_path = sys.argv[1], sys.argv[2]
with open(summary_path) as f:
    summary = json.load(f)

targets = summary["targets"]
names = [t["name"] for t in targets]
colors = {"nginx": "#8c8c8c", "fastapi": "#d1603d", "fraudscore": "#2f6eb5"}
bar_colors = [colors.get(n, "#555555") for n in names]
rps = [t["req_per_s"] for t in targets]
cpu = [t["cpu_us_per_request"] for t in targets]

fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.4), dpi=100)



def panel(ax, values, title, label):
    ax.bar(names, values, color=bar_colors)
    ax.set_title(title, fontsize=10)
    for i, v in enumerate(values):
        ax.annotate(label(v), (i, v), ha="center", va="bottom", fontsize=9, xytext=(0, 2), textcoords="offset points")
    ax.set_ylim(0, max(values) * 1.18)


panel(left, rps, "requests per second (higher is better)", lambda v: f"{v:,.0f}")
left.ticklabel_format(axis="y", style="plain")
left.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / 1000:.0f}k"))
panel(right, cpu, "server CPU per request, µs (lower is better)", lambda v: f"{v:,.1f}")

for ax in (left, right):
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=9)

load = summary["load"]
fig.suptitle(f"POST /predict, wrk -t{load['threads']} -c{load['connections']} -d{load['duration']}, "
             f"{summary['machine']['cpus']} CPUs, {summary['date_utc'][:10]}", fontsize=10)
fig.tight_layout()
fig.savefig(out_path)
print(f"chart: {out_path}")
