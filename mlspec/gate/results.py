"""What a gate evaluation produces: one GateResult per bound kind of each spec gate, in a GateReport."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from mlspec.numbers import fmt as fmt
from mlspec.state.deploy import Deployment

Verdict = Literal["pass", "fail"]
Kind = str  # a registered gate kind (gate/all_kinds.py: "absolute", "delta") or a run-level row: "record", "tests", "serving"

NO_GATES = "no gates declared: nothing to check, the run passes (add `gates:` to the spec to guard promotion)"


def _json_number(value: float | None) -> float | str | None:
    """JSON has no NaN/inf: keep them visible as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return fmt(value)
    return value


@dataclass
class GateResult:
    """The verdict of one bound kind (absolute min/max, or delta vs champion) of one spec gate."""

    index: int  # position in spec.gates (-1 for record-level checks)
    metric: str
    kind: Kind
    direction: str  # "higher" / "lower" (is better)
    threshold: str  # e.g. "roc_auc >= 0.95", "improvement >= +0.0000 (relative)"
    verdict: Verdict
    reason: str
    value: float | None = None  # challenger
    baseline: float | None = None  # champion (delta gates)
    delta: float | None = None  # improvement in the good direction (fraction when relative)
    interval: tuple[float, float] | None = None  # bootstrap interval of the improvement
    relative: bool = False
    environment: str | None = None  # whose champion (delta gates)
    confidence: float | None = None
    resamples: int | None = None

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    @property
    def label(self) -> str:
        return self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "metric": self.metric,
            "kind": self.kind,
            "direction": self.direction,
            "threshold": self.threshold,
            "value": _json_number(self.value),
            "baseline": _json_number(self.baseline),
            "delta": _json_number(self.delta),
            "relative": self.relative,
            "interval": None if self.interval is None else [_json_number(v) for v in self.interval],
            "confidence": self.confidence,
            "resamples": self.resamples,
            "environment": self.environment,
            "verdict": self.verdict,
            "reason": self.reason,
        }

    def value_text(self) -> str:
        """The value with its unit: the servability row's is a latency (`p95 9.4 ms`), the others are metrics."""
        if self.kind == "serving":
            if self.value is None or not math.isfinite(self.value):
                return "n/a"
            return f"p95 {self.value:.1f} ms" if self.value >= 1 else f"p95 {self.value:.2f} ms"
        return fmt(self.value)

    def interval_text(self) -> str:
        if self.interval is None:
            return "—"
        low, high = self.interval
        level = f"{self.confidence:.0%} " if self.confidence else ""
        if self.relative and math.isfinite(low) and math.isfinite(high):
            return f"{level}[{low:+.2%}, {high:+.2%}]"  # the same unit as the delta
        return f"{level}[{fmt(low, True)}, {fmt(high, True)}]"

    def delta_text(self) -> str:
        if self.delta is None:
            return "—"
        if self.relative and math.isfinite(self.delta):
            return f"{self.delta:+.2%}"
        return fmt(self.delta, signed=True)


@dataclass
class GateReport:
    """All gate results for one run and one environment."""

    project: str
    run_id: str
    environment: str
    model_tag: str | None
    champion: Deployment | None
    champion_source: str  # where the champion was read, e.g. "origin/main:deploy/staging.yaml"
    results: list[GateResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    champion_rescored: dict[str, float] = field(default_factory=dict)  # champion's metrics on the current test set
    test_data: str = ""  # which test data the challenger's and the champion's numbers come from

    def champion_metrics(self) -> dict[str, Any]:
        """The champion's numbers to compare with: re-scored on the current test set where it could be,
        else as its deploy file recorded them."""
        stored = dict(self.champion.metrics) if self.champion is not None else {}
        return {**stored, **self.champion_rescored}

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> list[GateResult]:
        return [r for r in self.results if not r.passed]

    @property
    def failed_tests(self) -> list[str]:
        """The kinds of test ("data", "model") that failed or did not run: the gate does not pass then."""
        return [r.threshold.split()[0] for r in self.results if r.kind == "tests" and not r.passed]

    def failure_cause(self) -> str:
        """Why the gate did not pass, in a few words: which tests failed, and whether metric gates did."""
        causes = [f"{kind} tests failed" for kind in self.failed_tests]
        if any(r.kind != "tests" for r in self.failed):
            causes.append("metric gates failed" if causes else "")
        return ", ".join(c for c in causes if c)

    def verdict_line(self) -> str:
        model = f"model {self.model_tag}" if self.model_tag else "no model (the run trained none)"
        if not self.results:
            return f"gate passed for {self.project} ({self.environment}), {model}: no gates declared"
        if self.passed:
            return (
                f"gate passed for {self.project} ({self.environment}), {model}: "
                f"{len(self.results)} of {len(self.results)} check{'' if len(self.results) == 1 else 's'} passed"
            )
        cause = self.failure_cause()
        return (
            f"gate NOT passed for {self.project} ({self.environment}), {model}: "
            f"{len(self.failed)} of {len(self.results)} check{'' if len(self.results) == 1 else 's'} failed"
            + (f" ({cause})" if cause else "")
        )

    def to_dict(self) -> dict[str, Any]:
        champion = None
        if self.champion is not None:
            champion = {
                "tag": self.champion.model.tag,
                "environment": self.champion.environment,
                "run_id": self.champion.lineage.get("run_id"),
                "source": self.champion_source,
            }
        return {
            "passed": self.passed,
            "project": self.project,
            "run_id": self.run_id,
            "environment": self.environment,
            "model": self.model_tag,
            "champion": champion,
            "champion_source": self.champion_source,
            "results": [r.to_dict() for r in self.results],
            "notes": list(self.notes),
            "champion_rescored": {k: _json_number(v) for k, v in sorted(self.champion_rescored.items())},
            "test_data": self.test_data,
            "verdict": self.verdict_line(),
        }

    def _rows(self) -> list[list[str]]:
        return [
            [
                r.threshold,
                r.value_text(),
                fmt(r.baseline),
                r.delta_text(),
                r.interval_text(),
                r.verdict.upper() if not r.passed else r.verdict,
            ]
            for r in self.results
        ]

    def markdown_table(self) -> str:
        """The gate table in GitHub Markdown, reasons of failures under it."""
        from mlspec import markdown

        keys = ("gate", "value", "baseline", "delta", "interval")
        rows = [
            {**dict(zip(keys, cells[:-1], strict=True)), "passed": result.passed}
            for result, cells in zip(self.results, self._rows(), strict=True)
        ]
        lines = markdown.table("gate", rows=rows)
        if not self.results:
            return "\n".join([*lines, "", NO_GATES])
        reasons = [f"- {_md_code(r.threshold)}: {_md_cell(r.reason)}" for r in self.results if r.reason]
        if reasons:
            lines += ["", *reasons]
        if self.notes:
            lines += ([] if reasons else [""]) + [f"- {_md_cell(n)}" for n in self.notes]
        return "\n".join(lines)

    def text_table(self) -> str:
        """A plain-text table for terminals, the reasons under it and the verdict line last."""
        headers = ["gate", "value", "baseline", "delta", "interval", "verdict"]
        rows = self._rows() if self.results else [["(no gates declared)", "—", "—", "—", "—", "pass"]]
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
        out = [
            "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
            "  ".join("-" * w for w in widths),
        ]
        out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
        details = [f"  {r.threshold}: {r.reason}" for r in self.results if r.reason]
        if not self.results:
            details.append(f"  {NO_GATES}")
        details += [f"  note: {n}" for n in self.notes]
        if details:
            out += ["", *details]
        out += ["", self.verdict_line()]
        return "\n".join(out)


def _md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell: the one escaper for data (mlspec.markdown)."""
    from mlspec import markdown

    return markdown.text(text, 1000)


def _md_code(text: str) -> str:
    from mlspec import markdown

    return markdown.code(text)
