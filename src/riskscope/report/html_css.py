"""The report page's style sheet, inlined into every page (no external fonts or files)."""

CSS = """
:root { --fg: #1d1d1f; --muted: #5f6368; --rule: #d9d9d9; --accent: #0072B2;
        --bad: #b3261e; --warn: #8a5a00; --ok: #1e6b3a; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
             sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 32px 64px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.3rem; margin: 36px 0 10px; padding-bottom: 4px;
     border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 22px 0 8px; }
.meta, .note, figcaption, footer { color: var(--muted); }
.meta code, td code { color: var(--fg); }
nav { margin: 14px 0 0; font-size: 0.92rem; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
a { color: var(--accent); }
pre { background: #f6f8fa; border: 1px solid var(--rule); border-radius: 6px; padding: 12px;
      overflow: auto; max-height: 420px; font-size: 0.85rem; line-height: 1.4; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.88rem; margin: 6px 0 4px; }
caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
th, td { padding: 4px 12px 4px 0; text-align: left; vertical-align: top; white-space: nowrap; }
table.data thead th { border-top: 1.5px solid var(--fg); border-bottom: 1px solid var(--fg); }
table.data tbody tr:last-child td { border-bottom: 1.5px solid var(--fg); }
table.kv th { font-weight: 600; padding-right: 18px; }
td.num { font-variant-numeric: tabular-nums; }
.counts { display: flex; gap: 10px; flex-wrap: wrap; margin: 6px 0; }
.count { border: 1px solid var(--rule); border-radius: 8px; padding: 6px 14px; min-width: 92px; }
.count b { display: block; font-size: 1.3rem; }
.count.bad b { color: var(--bad); }
.count.warn b { color: var(--warn); }
.verdict-holds { color: var(--ok); font-weight: 600; }
.verdict-does-not-hold, .verdict-fails { color: var(--bad); font-weight: 600; }
.verdict-inconclusive { color: var(--warn); font-weight: 600; }
table.claims td { white-space: normal; }
#headline .figures { grid-template-columns: 1fr; }
.headline-list { margin: 4px 0 10px; padding-left: 20px; font-size: 0.92rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr));
           gap: 18px 26px; }
figure { margin: 0; }
figure img { max-width: 100%; height: auto; display: block; border: 1px solid #eee; }
figure.wide { grid-column: 1 / -1; }
figcaption { font-size: 0.85rem; margin-top: 6px; }
details > summary { cursor: pointer; color: var(--accent); margin: 6px 0; }
footer { margin-top: 48px; font-size: 0.82rem; border-top: 1px solid var(--rule);
         padding-top: 10px; }
"""
