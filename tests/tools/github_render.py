"""Render Markdown the way GitHub shows it, in a real browser, and say what went wrong.

Each document is turned into HTML by markdown-it (CommonMark, with GitHub's options: raw HTML allowed, bare
links linkified, tables) inside headless Chromium, its ```mermaid blocks are parsed and drawn by Mermaid, and
the page then reports, per document:

- raw Markdown left in the rendered text (outside code): `**`, a line starting with `- `/`* `/`+ `/`1. ` or
  `#` inside a paragraph, a table delimiter row `|---|`, a literal `<details>`/`<summary>` tag;
- every Mermaid block that does not parse or draw (with Mermaid's message);
- every table wider than GitHub's content column;
- every pair of neighbouring axis labels of a Mermaid chart drawn over each other (unreadable).

Tables are measured as GitHub lays them out: its Markdown stylesheet (github-markdown-css, the rules that set a
table's size are copied below) makes a table `display: block; width: max-content; max-width: 100%;
overflow: auto`, so a table wider than the column gets a horizontal scroll bar instead of widening the page.
A table overflows when its `scrollWidth` exceeds its `clientWidth` inside a column of `COLUMN_PX` (1012 px:
the width of GitHub's Markdown column on a wide screen), in GitHub's font sizes. The fonts are the machine's
match for GitHub's system font stack: on Debian without Helvetica, Arial or Segoe UI that is DejaVu Sans
(and DejaVu Sans Mono for code), which is wider than those, so the check errs on the strict side: a table
that fits here fits on GitHub.

The npm packages come from package.json (`npm ci`, run by `make setup`); Chromium from scripts/chromium.sh
(Debian's package, installed as root when missing).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKDOWN_IT = ROOT / "node_modules" / "markdown-it" / "dist" / "browser" / "markdown-it.umd.min.js"
MERMAID = ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
CHROMIUM_SCRIPT = ROOT / "scripts" / "chromium.sh"
COLUMN_PX = 1012
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-file-access-from-files",
]


class RendererMissing(RuntimeError):
    """Chromium or the npm packages cannot be had on this machine (the reason is the message)."""


@dataclass
class Rendered:
    name: str
    raw_markdown: list[str] = field(default_factory=list)
    mermaid_errors: list[str] = field(default_factory=list)
    overflowing_tables: list[str] = field(default_factory=list)
    overlapping_labels: list[str] = field(default_factory=list)
    mermaid_blocks: int = 0
    tables: int = 0
    text: str = ""

    @property
    def problems(self) -> list[str]:
        return (
            [f"raw Markdown: {p}" for p in self.raw_markdown]
            + [f"Mermaid: {p}" for p in self.mermaid_errors]
            + [f"table wider than {COLUMN_PX}px: {p}" for p in self.overflowing_tables]
            + [f"chart labels drawn over each other: {p}" for p in self.overlapping_labels]
        )


def chromium() -> str:
    """The Chromium binary, installed through scripts/chromium.sh when missing (RendererMissing if it cannot)."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    result = subprocess.run(["bash", str(CHROMIUM_SCRIPT)], capture_output=True, text=True, timeout=1800)
    if result.returncode != 0 or not result.stdout.strip():
        raise RendererMissing(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "no chromium")
    return result.stdout.strip().splitlines()[-1]


# GitHub's Markdown stylesheet, the rules that decide a table's width (github-markdown-css, .markdown-body).
_CSS = f"""
body {{ margin: 0; }}
.markdown-body {{ box-sizing: border-box; width: {COLUMN_PX}px; padding: 0; font-size: 16px; line-height: 1.5;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
  word-wrap: break-word; }}
.markdown-body table {{ display: block; width: max-content; max-width: 100%; overflow: auto;
  border-spacing: 0; border-collapse: collapse; font-variant: tabular-nums; }}
.markdown-body table th {{ font-weight: 600; }}
.markdown-body table th, .markdown-body table td {{ padding: 6px 13px; border: 1px solid #d1d9e0; }}
.markdown-body code, .markdown-body tt {{ padding: .2em .4em; margin: 0; font-size: 85%; white-space: break-spaces;
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; }}
.markdown-body pre {{ overflow: auto; font-size: 85%; }}
.markdown-body pre code {{ white-space: pre; }}
"""

# Runs in the page: render, draw the charts, then look for what went wrong; the verdict goes into #result.
_SCRIPT = r"""
(async () => {
  const docs = JSON.parse(document.getElementById('documents').textContent);
  const md = window.markdownit({html: true, linkify: true});  // tables are on in markdown-it's default preset
  mermaid.initialize({startOnLoad: false, securityLevel: 'strict'});
  const out = [];
  let chart = 0;
  for (const [name, text] of docs) {
    const article = document.createElement('article');
    article.className = 'markdown-body';
    article.innerHTML = md.render(text);
    document.body.appendChild(article);
    const found = {name, raw_markdown: [], mermaid_errors: [], overflowing_tables: [], overlapping_labels: [],
      mermaid_blocks: 0, tables: 0};
    for (const block of [...article.querySelectorAll('pre > code.language-mermaid')]) {
      found.mermaid_blocks += 1;
      const source = block.textContent;
      try {
        await mermaid.parse(source);
        const {svg} = await mermaid.render('chart' + (chart += 1), source);
        const holder = document.createElement('div');
        holder.className = 'mermaid-chart';
        holder.innerHTML = svg;
        block.parentElement.replaceWith(holder);
        // axis labels drawn on top of each other cannot be read: a chart with more bars than room
        for (const axis of holder.querySelectorAll('g.left-axis, g.bottom-axis, g.top-axis')) {
          const boxes = [...axis.querySelectorAll('g.label text')].map((t) => [t.textContent, t.getBoundingClientRect()]);
          for (let i = 1; i < boxes.length; i += 1) {
            const [a, p] = boxes[i - 1];
            const [b, q] = boxes[i];
            const overlap = Math.min(p.right, q.right) - Math.max(p.left, q.left) > 1 &&
              Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top) > 1;
            if (overlap) found.overlapping_labels.push(`"${a}" and "${b}"`);
          }
        }
      } catch (error) {
        found.mermaid_errors.push(String((error && error.message) || error).split('\n').slice(0, 4).join(' ') +
          ' in: ' + source.split('\n').slice(0, 3).join(' | '));
      }
    }
    // <details> are closed until clicked; open them so what is inside is laid out and measured as shown
    article.querySelectorAll('details').forEach((d) => { d.open = true; });
    // the text as laid out (list bullets and table borders are drawn, not text), without code and charts:
    // any Markdown syntax still in it was not rendered
    const copy = article.cloneNode(true);
    copy.querySelectorAll('code, pre, svg, .mermaid-chart').forEach((child) => child.remove());
    document.body.appendChild(copy);
    const lines = copy.innerText.split('\n');
    copy.remove();
    const patterns = [
      [/\*\*/, '**'],
      [/^\s*[-*+] \S/, 'a list item marker'],
      [/^\s*\d{1,9}[.)] \S/, 'a numbered item marker'],
      [/^\s*#{1,6} \S/, 'a heading marker'],
      [/\|\s*:?-{3,}:?\s*\|/, 'a table delimiter row'],
      [/<\/?(details|summary)\b/i, 'a literal details/summary tag'],
      [/```/, 'a code fence'],
    ];
    for (const line of lines) {
      for (const [pattern, what] of patterns) {
        if (pattern.test(line)) found.raw_markdown.push(what + ': ' + line.trim().slice(0, 160));
      }
    }
    for (const table of article.querySelectorAll('table')) {
      found.tables += 1;
      if (table.scrollWidth > table.clientWidth + 1) {
        const head = [...table.querySelectorAll('th')].map((th) => th.textContent.trim()).join(' | ');
        found.overflowing_tables.push(table.scrollWidth + 'px > ' + table.clientWidth + 'px: ' + head.slice(0, 120));
      }
    }
    found.text = article.innerText;
    out.push(found);
  }
  const result = document.createElement('pre');
  result.id = 'result';
  result.textContent = JSON.stringify(out);
  document.body.appendChild(result);
})().catch((error) => {
  const result = document.createElement('pre');
  result.id = 'result';
  result.textContent = JSON.stringify({fatal: String((error && error.stack) || error)});
  document.body.appendChild(result);
});
"""


def _page(documents: list[tuple[str, str]]) -> str:
    payload = json.dumps(documents).replace("</", "<\\/")  # cannot close the script element
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<style>{_CSS}</style>"
        f"<script src='{MARKDOWN_IT.as_uri()}'></script>"
        f"<script src='{MERMAID.as_uri()}'></script>"
        "</head><body>"
        f"<script type='application/json' id='documents'>{payload}</script>"
        f"<script>{_SCRIPT}</script>"
        "</body></html>"
    )


def render(documents: list[tuple[str, str]], *, timeout: float = 300) -> list[Rendered]:
    """Render every (name, markdown) document in one headless Chromium; one Rendered per document."""
    for path in (MARKDOWN_IT, MERMAID):
        if not path.is_file():
            raise RendererMissing(f"{path.relative_to(ROOT)} is missing: run `make setup` (npm ci)")
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="mlspec-render-") as folder:
        page = Path(folder) / "page.html"
        page.write_text(_page(documents), encoding="utf-8")
        profile = Path(folder) / "profile"
        profile.mkdir()
        env = {**os.environ, "HOME": folder}  # Chromium writes its crash and config folders under HOME
        result = subprocess.run(
            [
                binary,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--virtual-time-budget=120000",  # let the async rendering finish before the DOM is dumped
                f"--window-size={COLUMN_PX + 40},2000",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    match = re.search(r'<pre id="result">(.*?)</pre>', result.stdout, re.S)
    if match is None:
        raise AssertionError(f"chromium exited {result.returncode} without a verdict; stderr:\n{result.stderr[-3000:]}")
    import html

    verdict = json.loads(html.unescape(match.group(1)))
    if isinstance(verdict, dict):
        raise AssertionError(f"the rendering page failed: {verdict.get('fatal')}")
    return [Rendered(**item) for item in verdict]
