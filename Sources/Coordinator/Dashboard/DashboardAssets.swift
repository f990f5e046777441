/// The dashboard's stylesheet and its one small script, embedded in the binary: no CDN, no build
/// step, nothing fetched from elsewhere, so it works offline on a laptop. The report inlines
/// the same stylesheet and leaves the script out.
enum DashboardAssets {
  static let css = """
    :root { --ink: #1d2430; --muted: #5b6575; --line: #dde2ea; --panel: #ffffff; --back: #f4f6f9;
      --accent: #0072B2; --good: #009E73; --warn: #D55E00; --idle: #E69F00; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
      background: var(--back); }
    header.top { display: flex; align-items: center; gap: 18px; padding: 10px 24px; background: #17202e; color: #fff; }
    header.top a { color: #fff; text-decoration: none; }
    header.top .brand { font-weight: 700; letter-spacing: .02em; }
    header.top .who { margin-left: auto; color: #b9c3d3; font-size: 13px; }
    main { max-width: 1320px; margin: 0 auto; padding: 18px 24px 48px; }
    h1 { font-size: 22px; margin: 4px 0 2px; }
    h2 { font-size: 17px; margin: 28px 0 10px; }
    h3 { font-size: 15px; margin: 16px 0 8px; }
    .sub { color: var(--muted); margin-bottom: 14px; }
    .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 12px; }
    .card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
    .card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
    .card .v { font-size: 20px; font-weight: 650; margin-top: 2px; }
    .meter { height: 8px; background: #e8ecf2; border-radius: 4px; overflow: hidden; margin-top: 8px; display: flex; }
    .meter span { display: block; height: 100%; }
    .meter .done { background: var(--good); } .meter .failed { background: var(--warn); }
    .meter .running { background: var(--accent); } .meter .spent { background: var(--accent); }
    .meter .held { background: #9cc7e4; } .meter .work { background: var(--good); } .meter .idle { background: var(--idle); }
    table { border-collapse: collapse; width: 100%; background: var(--panel); border: 1px solid var(--line);
      border-radius: 8px; overflow: hidden; }
    th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
    th { background: #eef1f6; font-weight: 600; font-size: 13px; }
    th a { color: inherit; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    tr:last-child td { border-bottom: 0; }
    a { color: var(--accent); }
    .state { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
      background: #e8ecf2; }
    .state.running { background: #d8ecf8; color: #005a8c; } .state.completed, .state.succeeded { background: #d6f0e6; color: #00694d; }
    .state.cancelled, .state.failed { background: #fbe2d5; color: #9a3d00; } .state.paused { background: #fff0cc; color: #7a5600; }
    .plots { display: flex; flex-wrap: wrap; gap: 12px; }
    svg.plot { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; max-width: 100%; height: auto; }
    svg .title { font-size: 13px; font-weight: 600; fill: var(--ink); }
    svg .tick, svg .legend { font-size: 11px; fill: var(--muted); }
    svg .axis { font-size: 12px; fill: var(--ink); }
    svg .grid { stroke: #eef1f5; } svg .frame { fill: none; stroke: var(--line); }
    svg .series { fill: none; stroke-width: 2; } svg .dot { fill-opacity: .75; }
    svg .pc { fill: none; stroke-width: 1.2; stroke-opacity: .8; } svg .pcaxis { stroke: #8a94a5; }
    svg .cell { font-size: 11px; fill: var(--ink); } svg .cell.light { fill: #fff; }
    svg .missing { fill: #f3f4f6; stroke: #e1e4ea; } svg .note { font-size: 12px; fill: var(--muted); }
    svg.spark polyline { fill: none; stroke: var(--accent); stroke-width: 1.5; }
    .note { color: var(--muted); font-size: 12px; }
    .pager { margin: 6px 0 0; font-size: 13px; } .pager a, .pager span { margin-right: 10px; }
    form.inline { display: inline; }
    button.danger { background: #fff; color: #9a3d00; border: 1px solid #e5b79c; border-radius: 6px; padding: 5px 12px;
      font: inherit; cursor: pointer; }
    .login { max-width: 440px; margin: 80px auto; background: var(--panel); border: 1px solid var(--line);
      border-radius: 10px; padding: 24px; }
    .login input[type=password] { width: 100%; padding: 8px; font: inherit; margin: 8px 0 12px; }
    .login button { padding: 7px 16px; font: inherit; }
    .message { padding: 8px 12px; border-radius: 6px; background: #fbe2d5; color: #7a3000; margin: 10px 0; }
    pre.tail { background: #17202e; color: #e6ebf2; padding: 12px; border-radius: 8px; overflow-x: auto; font-size: 12px; }
    .params { color: var(--muted); font-size: 12px; }
    """

  /// Live updates without a reload: every 5 s while the tab is visible, the page is fetched again
  /// and the parts marked `data-live` are swapped in. No framework; it fails quietly and retries.
  static let js = """
    (function () {
      var live = document.querySelector('[data-live]');
      if (!live) return;
      var busy = false;
      function refresh() {
        if (busy || document.visibilityState !== 'visible') return;
        busy = true;
        fetch(location.href, { credentials: 'same-origin', headers: { 'X-Live': '1' } })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (text) {
            if (!text) return;
            var doc = new DOMParser().parseFromString(text, 'text/html');
            var parts = doc.querySelectorAll('[data-live]');
            var mine = document.querySelectorAll('[data-live]');
            for (var i = 0; i < parts.length && i < mine.length; i++) {
              if (mine[i].innerHTML !== parts[i].innerHTML) mine[i].innerHTML = parts[i].innerHTML;
            }
            var stamp = document.getElementById('updated');
            if (stamp) stamp.textContent = new Date().toLocaleTimeString();
          })
          .catch(function () {})
          .then(function () { busy = false; });
      }
      setInterval(refresh, 5000);
      document.addEventListener('visibilitychange', refresh);
      document.addEventListener('submit', function (event) {
        var message = event.target.getAttribute('data-confirm');
        if (message && !window.confirm(message)) event.preventDefault();
      });
    })();
    """
}
