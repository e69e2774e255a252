/**
 * The playground page: the real simulator (src/) in the browser. State = a scenario text;
 * see session.ts. Plain DOM, no framework.
 */
import 'reflect-metadata';
// First-load figures (the e2e test prints them): when the bundle starts and when the simulator has booted.
performance.mark('auxbus-script-start');
import { machineUdev, type Machine } from '../../src/machine/index.js';
import { formatExplain, runUdevTest, udevRulesFiles, verify } from '../../src/udev/index.js';
import { type Lesson, lessons } from './lessons.js';
import { type RaceReplay, explainEntry, raceFrame, racing, replaySchedule } from './race.js';
import { type Replay, type Scenario, type TreeNode, deviceTree, eventLog, parseScenario, replay, scenarioText } from './session.js';
import { decodeState, encodeState } from './share.js';
import { shellSteps } from './shell-steps.js';
import { TerminalPane } from './terminal.js';
import raceExclusive from '../../examples/explore/doe-aux-exclusive.yaml?raw';
import raceShared from '../../examples/explore/doe-pci-core-shared.yaml?raw';
import './style.css';

const RULES_NAME = '99-playground.rules';
const DEFAULT_RULES = `# A rule for the selected device: edit it and watch the explanation.
SUBSYSTEM=="auxiliary", DRIVER=="pci_doe.doe", TAG+="doe"
ACTION=="add", SUBSYSTEM=="doe", MODE="0660", GROUP="root"
`;

let scenario: Scenario = parseScenario(lessons[0]!.text);
let current: Replay | undefined;
let selected: string | undefined;
let hold = false;
/** Side-by-side mode: the same steps on a twin machine under the other DOE policy. */
let compare = false;
let twin: Replay | undefined;
/** An explorer schedule being stepped through, and the entry shown (-1: before the block). */
let race: RaceReplay | undefined;
let cursor = -1;

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

document.querySelector('#app')!.innerHTML = `
<header>
  <h1>auxbus playground</h1>
  <label>Lesson <select id="lesson">${lessons.map((l) => `<option value="${l.id}">${esc(l.title)}</option>`).join('')}</select></label>
  <button id="share">Share as URL</button>
  <label class="file">Load scenario <input type="file" id="load" accept=".yaml,.yml,.txt" /></label>
  <span id="status"></span>
</header>
<p id="guide"></p>
<main>
  <section id="tree-pane"><h2>Devices <small id="tree-note"></small></h2><ul id="tree"></ul></section>
  <section id="actions-pane">
    <h2>Selected: <span id="sel">none</span></h2>
    <div class="row">
      <button data-act="unbind">unbind</button>
      <button data-act="bind">bind</button>
      <input id="driver" placeholder="driver" size="12" />
      <button data-act="override">driver_override</button>
      <button data-act="probe">drivers_probe</button>
    </div>
    <div class="row">
      <input id="module" placeholder="module" size="10" value="doe_user" />
      <button data-act="modprobe">modprobe</button><button data-act="rmmod">rmmod</button>
      <select id="preset"><option>cxl-type3</option><option>mlx5-nic</option></select>
      <button data-act="hotplug">hotplug</button><button data-act="unplug">unplug</button>
      <input id="numvfs" size="2" value="2" /><button data-act="sriov">sriov_numvfs</button>
    </div>
    <h3>Processes</h3>
    <div class="row">
      <button data-act="handoff">hand mailbox to userspace</button>
      <input id="path" placeholder="/dev/…" size="24" />
      <button data-act="open">open</button>
      <select id="doe-req"><option value="compliance capability">compliance capability</option><option value="compliance status">compliance status</option><option value="discovery 0">discovery 0</option></select>
      <button data-act="doe">DOE exchange</button>
      <select id="fwctl-op">
        <option value="info">FWCTL_INFO</option>
        <option value="01 01 00 00  00 00 00 00  00 00 00 00  00 00 00 00">FWCTL_RPC QUERY_ADAPTER (0x101)</option>
        <option value="08 0d 00 00  00 00 00 00  00 00 00 00  00 00 00 00">FWCTL_RPC NOP (0x80d)</option>
      </select>
      <select id="fwctl-scope"><option>CONFIGURATION</option><option>DEBUG_READ_ONLY</option><option>DEBUG_WRITE</option><option>DEBUG_WRITE_FULL</option></select>
      <button data-act="fwctl">fwctl ioctl</button>
      <button data-act="rawdoe">raw DOE exchange (config space)</button>
    </div>
    <ul id="fds"></ul>
    <ol id="calls"></ol>
    <pre id="result"></pre>
    <h3>Scheduler</h3>
    <div class="row">
      <label><input type="checkbox" id="hold" /> hold (do not settle after actions)</label>
      <button id="step">step one task</button><button id="run-all">run all</button>
      <span id="clock"></span>
    </div>
    <ol id="tasks"></ol>
    <h3>Explorer replay <small>(auxbus explore --replay)</small></h3>
    <div class="row">
      <select id="race-file"><option value="page">this scenario</option><option value="shared">doe-pci-core-shared.yaml</option><option value="exclusive">doe-aux-exclusive.yaml</option></select>
      schedule <input id="schedule" value="1.1" size="8" />
      <button id="replay">replay</button>
      <button id="tl-back">◀ back</button><button id="tl-step">step ▶</button><button id="tl-race">to the race</button><button id="tl-end">to the end</button>
    </div>
    <div id="race-state"></div>
    <ol id="timeline"></ol>
  </section>
  <section id="log-pane"><h2>Events <small>(kernel uevents and udev events)</small></h2><ol id="log"></ol></section>
  <section id="rules-pane">
    <h2>udev rules <small>${RULES_NAME}</small></h2>
    <div class="editor"><pre id="hl" aria-hidden="true"></pre><textarea id="rules" spellcheck="false"></textarea></div>
    <ul id="diags"></ul>
    <h3>Explanation on the selected device</h3>
    <pre id="explain"></pre>
  </section>
  <section id="compare-pane" hidden>
    <h2>Both policies, same steps</h2>
    <div class="cols"><div><h3>aux-exclusive (this page)</h3><div id="cmp-a"></div></div><div><h3>pci-core-shared (twin)</h3><div id="cmp-b"></div></div></div>
  </section>
  <section id="term-pane"><h2>Terminal <small>(auxbus shell on this machine)</small></h2><div id="term"></div></section>
</main>`;

const terminal = new TerminalPane($('#term'), {
  afterCommand(line, result, changed) {
    const m = machine();
    if (!m) return;
    if (!hold && m.scheduler.pending > 0) m.settle();
    const steps = result.status === 0 ? shellSteps(line) : undefined;
    if (steps && steps.length > 0) {
      scenario = { ...scenario, steps: [...scenario.steps, ...steps] };
      // Side by side: the twin machine takes the same steps (a replay of both).
      if (compare) return reload();
    } else if (changed && !steps) setStatus(`"${line}" changed the live machine only (no scenario verb for it): the next action replays without it`);
    render();
  },
});

function machine(): Machine | undefined {
  return current?.machine;
}

function setStatus(text: string): void {
  $('#status').textContent = text;
}

/** Replays the scenario and redraws everything. */
function reload(): void {
  current?.machine?.dispose();
  current = replay(scenarioText(scenario));
  // An explorer replay stays listed, but the tree shows the live machine again.
  cursor = -1;
  terminal.attach(current.machine);
  terminal.prompt();
  twin?.machine?.dispose();
  twin = compare ? replay(scenarioText({ ...scenario, header: otherPolicy(scenario.header) })) : undefined;
  const failed = current.result.steps.filter((s) => !s.ok);
  const diag = current.result.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
  setStatus(diag.length > 0 ? `scenario rejected: ${diag.join('; ')}` : `${current.result.steps.length} steps, ${failed.length} failed`);
  const last = current.result.steps[current.result.steps.length - 1];
  if (last)
    $('#result').textContent =
      `${last.summary}: ${last.ok ? 'ok' : last.failures.join('; ')}${last.actual !== undefined ? `\n${JSON.stringify(last.actual)}` : ''}`;
  render();
}

/** The header with the other DOE policy (aux-exclusive ↔ pci-core-shared). */
function otherPolicy(header: string): string {
  return /doe: aux-exclusive/.test(header)
    ? header.replace('doe: aux-exclusive', 'doe: pci-core-shared')
    : header.replace('doe: pci-core-shared', 'doe: aux-exclusive');
}

function render(): void {
  renderCompare();
  renderRace();
  renderTree();
  renderLog();
  renderFds();
  renderCalls();
  renderTasks();
  renderRules();
}

const treeItem = (n: TreeNode): string =>
  `<li><span class="dev${n.name === selected ? ' selected' : ''}" data-name="${esc(n.name)}" data-devpath="${esc(n.devpath)}">` +
  `<b>${esc(n.name)}</b> <i class="${n.physfn ? 'kind vf' : 'kind'}">${esc(n.kind)}</i> <span class="drv">${esc(n.driver ?? '—')}</span> <span class="owner">owner: ${esc(n.owner)}</span>` +
  (n.physfn ? ` <span class="physfn">physfn → ${esc(n.physfn)}</span>` : '') +
  (n.virtfns ? ` <span class="virtfns">PF of ${n.virtfns.length} VF${n.virtfns.length > 1 ? 's' : ''}</span>` : '') +
  '</span>' +
  (n.children.length ? `<ul>${n.children.map(treeItem).join('')}</ul>` : '') +
  '</li>';

function renderTree(): void {
  const m = machine();
  const ul = $('#tree');
  const frame = race && cursor >= 0 ? race.frames[cursor] : undefined;
  $('#tree-note').textContent = frame ? `(the replay after entry ${cursor + 1} of ${race!.frames.length}, t=${frame.t} ms)` : '';
  if (frame) {
    ul.innerHTML = frame.tree.map(treeItem).join('');
    return;
  }
  ul.innerHTML = m ? deviceTree(m).map(treeItem).join('') : '';
}

/** One machine of the side-by-side view: each step's outcome, the taint, the DOE devices. */
function comparison(r: Replay | undefined): string {
  if (!r?.machine) return '<p>no machine</p>';
  const m = r.machine;
  const steps = r.result.steps
    .map((st) => `<li class="${st.ok ? 'ok' : 'fail'}">${esc(st.summary)}: <b>${st.ok ? 'ok' : esc(st.failures.join('; '))}</b></li>`)
    .join('');
  const doe = [...m.core.devices]
    .filter((d) => d.bus?.name === 'auxiliary' && /\.doe\.\d+$/.test(d.name))
    .map((d) => `${d.name} → ${d.driver?.name ?? '—'}`);
  return (
    `<ol class="cmp-steps">${steps}</ol>` +
    `<p class="cmp-taint">kernel taint: <b>${m.taint.mask === 0 ? 'none' : esc(m.taint.letters)}</b></p>` +
    `<p class="cmp-doe">DOE auxiliary devices: ${doe.length ? esc(doe.join(', ')) : '<b>none</b> (the PCI core owns the mailboxes)'}</p>`
  );
}

function renderCompare(): void {
  const pane = $('#compare-pane');
  pane.hidden = !compare;
  if (!compare) return;
  const aIsExclusive = /doe: aux-exclusive/.test(scenario.header);
  const [ex, sh] = aIsExclusive ? [current, twin] : [twin, current];
  $('#cmp-a').innerHTML = comparison(ex);
  $('#cmp-b').innerHTML = comparison(sh);
}

function renderRace(): void {
  const st = $('#race-state');
  const ol = $('#timeline');
  if (!race) {
    st.textContent = '';
    ol.innerHTML = '';
    return;
  }
  const f = cursor >= 0 ? race.frames[cursor] : undefined;
  const mb = race.mailbox ? `mailbox ${race.mailbox.index} of ${race.mailbox.config}` : 'no raw DOE step';
  const lane = f?.inStep ? `${f.inStep}'s step in progress` : 'no lane step in progress';
  const isRacing = racing(race, cursor);
  const end = cursor === race.frames.length - 1;
  st.innerHTML =
    `<div>schedule <b>${esc(race.schedule)}</b>, entry <b>${cursor + 1}</b> of ${race.frames.length}${f ? `, t=${f.t} ms, ${f.uevents} uevents sent` : ''}</div>` +
    `<div class="mailbox${isRacing ? ' racing' : ''}">${esc(mb)}: kernel exchange ${f?.kernelBusy ? '<b>in flight</b>' : 'idle'}; ${esc(lane)}${isRacing ? ' — <b>RACE: the kernel and userspace both drive this mailbox</b>' : ''}</div>` +
    (f && explainEntry(f.entry) ? `<div class="note">${esc(explainEntry(f.entry)!)}</div>` : '') +
    (f && f.kmsg.length ? `<pre class="kmsg">${esc(f.kmsg.join('\n'))}</pre>` : '') +
    (end
      ? `<div class="verdict">${race.violation ? `violation: <b>${esc(race.violation.invariant)}</b>: ${esc(race.violation.message)}` : 'no invariant broken on this schedule'}</div>`
      : '');
  ol.innerHTML = race.frames
    .map(
      (fr, i) =>
        `<li class="${i === cursor ? 'cur' : i < cursor ? 'done' : ''}" data-i="${i}">t=${fr.entry.t} ${fr.entry.choice !== undefined ? `#${fr.entry.choice} ` : ''}<b>${esc(fr.entry.actor)}</b> ${esc(fr.entry.what)}</li>`,
    )
    .join('');
  ol.querySelector('.cur')?.scrollIntoView({ block: 'nearest' });
}

function raceText(): string {
  const which = ($('#race-file') as HTMLSelectElement).value;
  if (which === 'shared') return raceShared;
  if (which === 'exclusive') return raceExclusive;
  return scenarioText(scenario);
}

function startRace(text: string, schedule: string): void {
  try {
    race = replaySchedule(text, schedule);
    cursor = -1;
    $('#result').textContent =
      `replayed schedule ${race.schedule}: ${race.frames.length} entries${race.violation ? `, violation ${race.violation.invariant}` : ''}`;
  } catch (e) {
    race = undefined;
    $('#result').textContent = e instanceof Error ? e.message : String(e);
  }
  renderRace();
  renderTree();
}

function moveCursor(to: number): void {
  if (!race) return;
  cursor = Math.max(-1, Math.min(race.frames.length - 1, to));
  renderRace();
  renderTree();
}

function renderLog(): void {
  const m = machine();
  const ol = $('#log');
  if (!m) {
    ol.innerHTML = '';
    return;
  }
  ol.innerHTML = eventLog(m)
    .map(
      (e, i) =>
        `<li class="ev ${e.group}" data-i="${i}"><details data-group="${e.group}" data-action="${esc(e.action)}" data-devpath="${esc(e.devpath)}"><summary>${e.group.toUpperCase()} [${e.seqnum}] ${esc(e.action)} ${esc(e.devpath)}</summary>` +
        `<pre>${esc(e.properties.map(([k, v]) => `${k}=${v}`).join('\n'))}</pre>${e.group === 'udev' ? '<pre class="matched">(open to see the rules lines that matched)</pre>' : ''}</details></li>`,
    )
    .join('');
  ol.scrollTop = ol.scrollHeight;
}

/** The rules lines that matched a udev event (re-run on the device as it is now). */
function matchedLines(devpath: string, action: string): string {
  const m = machine();
  if (!m) return '';
  const mu = machineUdev(m);
  try {
    const r = runUdevTest({
      rules: udevRulesFiles(m.options.rules, m.options.autoload),
      sysfs: mu.sysfs,
      devfs: mu.devfs,
      events: [{ action: action as 'add', devpath }],
      explain: true,
    });
    const lines = (r.events[0]?.explain ?? []).filter((e) => e.status === 'matched').map((e) => `${e.file}:${e.line}: ${e.text}`);
    return lines.length > 0 ? lines.join('\n') : '(no rules line matched)';
  } catch (e) {
    return `(cannot re-run: ${String(e)})`;
  }
}

$('#log').addEventListener(
  'toggle',
  (ev) => {
    const d = ev.target as HTMLDetailsElement;
    if (!d.open || d.dataset.group !== 'udev') return;
    const pre = d.querySelector('.matched');
    if (pre) pre.textContent = `rules lines that matched:\n${matchedLines(d.dataset.devpath!, d.dataset.action!)}`;
  },
  true,
);

function openFds(): { fd: string; path: string; as: string }[] {
  const out = new Map<string, { fd: string; path: string; as: string }>();
  for (const s of scenario.steps) {
    const o = /- open: (\S+)[\s\S]*?fd: (\S+)/.exec(s);
    if (o) out.set(o[2]!, { fd: o[2]!, path: o[1]!, as: /as: (\S+)/.exec(s)?.[1] ?? 'root' });
    const c = /- close: (\S+)/.exec(s);
    if (c) out.delete(c[1]!);
  }
  return [...out.values()];
}

/** The results of the processes' calls (ioctl, DOE exchanges), newest last. */
function renderCalls(): void {
  const steps = current?.result.steps.filter((st) => st.verb === 'ioctl' || st.verb === 'doe') ?? [];
  $('#calls').innerHTML = steps
    .map((st) => {
      const a = st.actual as { errno?: string } | undefined;
      const outcome = a?.errno ?? (st.ok ? 'ok' : st.failures.join('; '));
      // A 4096-byte RPC output buffer is shown by its head.
      const short = (v: unknown) => (typeof v === 'string' && v.length > 48 ? `${v.slice(0, 48)}… (${v.length / 2} bytes)` : v);
      const shown = a && typeof a === 'object' ? Object.fromEntries(Object.entries(a).map(([k, v]) => [k, short(v)])) : a;
      const data = a && a.errno === undefined ? ` <code>${esc(JSON.stringify(shown))}</code>` : '';
      return `<li class="call ${a?.errno ? 'errno' : 'ok'}">${esc(st.summary)} → <b>${esc(outcome)}</b>${data}</li>`;
    })
    .join('');
}

function renderFds(): void {
  $('#fds').innerHTML = openFds()
    .map((f) => `<li>${esc(f.as)} holds <code>${esc(f.path)}</code> as fd <b>${esc(f.fd)}</b> <button data-close="${esc(f.fd)}">close</button></li>`)
    .join('');
}

function renderTasks(): void {
  const m = machine();
  if (!m) return;
  $('#tasks').innerHTML =
    m.scheduler.ready.map((t) => `<li class="task ready">ready: ${esc(t.name)}${t.key ? ` <small>${esc(t.key)}</small>` : ''}</li>`).join('') +
    m.scheduler.timers.map((t) => `<li class="task timer">timer at t=${t.due} ms: ${esc(t.name)}</li>`).join('');
  $('#clock').textContent = `t=${m.clock.now()} ms, ${m.scheduler.pending} pending`;
}

function processName(): string {
  const m = /processes:\s*\n\s+(\w+):/.exec(scenario.header);
  return m ? m[1]! : 'root';
}

function append(step: string): void {
  scenario = { ...scenario, steps: [...scenario.steps, step] };
  reload();
}

const y = (s: string) => JSON.stringify(s);

/** A sysfs write: replayed normally; in hold mode done on the live machine with nothing settled. */
function write(path: string, value: string): void {
  const step = `  - write: ${path}\n    value: ${y(value)}\n`;
  const m = machine();
  if (hold && m) {
    scenario = { ...scenario, steps: [...scenario.steps, step] };
    try {
      m.processes.root.writeFile(path, value);
      $('#result').textContent = `write ${path}: ok (held: step the scheduler)`;
    } catch (e) {
      $('#result').textContent = `write ${path}: ${String((e as { errno?: string }).errno ?? e)}`;
    }
    render();
    return;
  }
  append(step);
}

function selectedNode(): { name: string; devpath: string } | undefined {
  const el = selected ? document.querySelector<HTMLElement>(`.dev[data-name="${CSS.escape(selected)}"]`) : null;
  return el ? { name: el.dataset.name!, devpath: el.dataset.devpath! } : undefined;
}

function busOf(devpath: string, name: string): string {
  if (/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(name)) return 'pci';
  if (/\.\d+$/.test(name) && !devpath.includes('/net/')) return 'auxiliary';
  return 'pci';
}

function act(action: string): void {
  const sel = selectedNode();
  const driverIn = ($('#driver') as HTMLInputElement).value.trim();
  const mod = ($('#module') as HTMLInputElement).value.trim();
  const m = machine();
  const need = () => {
    if (!sel) throw new Error('select a device first');
    return sel;
  };
  try {
    switch (action) {
      case 'unbind': {
        const s = need();
        const dev = m?.findDevice(s.name);
        if (!dev?.driver) throw new Error(`${s.name} has no driver`);
        return write(`/sys/bus/${dev.bus!.name}/drivers/${dev.driver.name}/unbind`, s.name);
      }
      case 'bind': {
        const s = need();
        return write(`/sys/bus/${busOf(s.devpath, s.name)}/drivers/${driverIn}/bind`, s.name);
      }
      case 'override': {
        const s = need();
        return write(`/sys/bus/${busOf(s.devpath, s.name)}/devices/${s.name}/driver_override`, driverIn + '\n');
      }
      case 'probe': {
        const s = need();
        return write(`/sys/bus/${busOf(s.devpath, s.name)}/drivers_probe`, s.name);
      }
      case 'modprobe':
        return append(`  - modprobe: ${mod}\n`);
      case 'rmmod':
        return append(`  - rmmod: ${mod}\n`);
      case 'hotplug':
        return append(`  - hotplug: ${($('#preset') as HTMLSelectElement).value}\n`);
      case 'unplug':
        return append(`  - unplug: ${y(need().name)}\n`);
      case 'sriov': {
        const s = need();
        return write(`/sys/bus/pci/devices/${s.name}/sriov_numvfs`, ($('#numvfs') as HTMLInputElement).value);
      }
      case 'handoff': {
        const name = sel && /\.doe\.\d+$/.test(sel.name) ? sel.name : 'cxl_pci.doe.1';
        scenario = {
          ...scenario,
          steps: [
            ...scenario.steps,
            `  - write: /sys/bus/auxiliary/drivers/pci_doe.doe/unbind\n    value: ${y(name)}\n`,
            `  - write: /sys/bus/auxiliary/devices/${name}/driver_override\n    value: "doe_user.doe\\n"\n`,
            `  - write: /sys/bus/auxiliary/drivers_probe\n    value: ${y(name)}\n`,
          ],
        };
        ($('#path') as HTMLInputElement).value = `/dev/doe/${name}`;
        return reload();
      }
      case 'open': {
        const path = ($('#path') as HTMLInputElement).value.trim();
        const fd = `fd${scenario.steps.filter((s) => s.includes('- open:')).length + 1}`;
        return append(`  - open: ${path}\n    mode: rw\n    fd: ${fd}\n    as: ${processName()}\n`);
      }
      case 'doe': {
        const f = openFds().find((x) => x.path.startsWith('/dev/doe/'));
        if (!f) throw new Error('open a /dev/doe node first');
        const [protocol, request] = ($('#doe-req') as HTMLSelectElement).value.split(' ');
        return append(`  - doe: ${f.fd}\n    protocol: ${protocol}\n    request: ${request}\n    as: ${f.as}\n`);
      }
      case 'rawdoe': {
        const bdf = sel && /^[0-9a-f]{4}:/.test(sel.name) ? sel.name : '0000:0d:00.0';
        return append(`  - doe: { config: ${y(bdf)}, mailbox: 1 }\n    protocol: compliance\n    request: capability\n    as: ${processName()}\n`);
      }
      case 'fwctl': {
        const f = openFds().find((x) => x.path.startsWith('/dev/fwctl/'));
        if (!f) throw new Error('open a /dev/fwctl node first');
        const op = ($('#fwctl-op') as HTMLSelectElement).value;
        if (op === 'info') return append(`  - ioctl: ${f.fd}\n    as: ${f.as}\n    op: FWCTL_INFO\n`);
        const scope = ($('#fwctl-scope') as HTMLSelectElement).value;
        return append(`  - ioctl: ${f.fd}\n    as: ${f.as}\n    op: FWCTL_RPC\n    scope: ${scope}\n    payload: ${y(op)}\n`);
      }
    }
  } catch (e) {
    $('#result').textContent = e instanceof Error ? e.message : String(e);
  }
}

document.addEventListener('click', (ev) => {
  const t = ev.target as HTMLElement;
  const dev = t.closest<HTMLElement>('.dev');
  if (dev) {
    selected = dev.dataset.name;
    $('#sel').textContent = selected ?? 'none';
    renderTree();
    renderRules();
    return;
  }
  if (t.dataset.act) act(t.dataset.act);
  if (t.dataset.close) append(`  - close: ${t.dataset.close}\n    as: ${openFds().find((f) => f.fd === t.dataset.close)?.as ?? 'root'}\n`);
});

$('#replay').addEventListener('click', () => startRace(raceText(), ($('#schedule') as HTMLInputElement).value));
$('#tl-step').addEventListener('click', () => moveCursor(cursor + 1));
$('#tl-back').addEventListener('click', () => moveCursor(cursor - 1));
$('#tl-end').addEventListener('click', () => moveCursor(race ? race.frames.length - 1 : -1));
$('#tl-race').addEventListener('click', () => race && moveCursor(raceFrame(race)));
$('#timeline').addEventListener('click', (ev) => {
  const li = (ev.target as HTMLElement).closest<HTMLElement>('li[data-i]');
  if (li) moveCursor(Number(li.dataset.i));
});

$('#hold').addEventListener('change', (ev) => {
  hold = (ev.target as HTMLInputElement).checked;
});
$('#step').addEventListener('click', () => {
  const m = machine();
  if (!m) return;
  if (m.scheduler.ready.length === 0 && m.scheduler.fireNextTimer()) {
    $('#result').textContent = `timer due: clock at t=${m.clock.now()} ms`;
    render();
    return;
  }
  const name = m.scheduler.ready[0]?.name;
  const ran = m.scheduler.runOne();
  $('#result').textContent = ran ? `ran task: ${name}` : 'no task pending';
  render();
});
$('#run-all').addEventListener('click', () => {
  const m = machine();
  if (!m) return;
  $('#result').textContent = `ran ${m.settle()} tasks`;
  render();
});

// ---- the rules editor
const rulesArea = $('#rules') as HTMLTextAreaElement;
rulesArea.value = DEFAULT_RULES;

/** Syntax colours for a piece of a rules line (KEY{attr}, operator, "value"). */
function colour(piece: string): string {
  return esc(piece).replace(
    /([A-Z_]+(?:\{[^}]*\})?)(==|!=|\+=|-=|:=|=)(&quot;.*?&quot;)/g,
    '<span class="k">$1</span><span class="o">$2</span><span class="s">$3</span>',
  );
}

/** A diagnostic's position in the editor: 1-based line and column, and the length it covers. */
interface Mark {
  readonly line: number;
  readonly col: number;
  readonly length: number;
}

function highlight(text: string, marks: readonly Mark[]): string {
  return text
    .split('\n')
    .map((line, i) => {
      const mark = marks.find((m) => m.line === i + 1);
      const cls = mark ? ' class="bad"' : '';
      if (/^\s*#/.test(line)) return `<span${cls}><span class="c">${esc(line)}</span></span>`;
      if (!mark) return `<span>${colour(line)}</span>`;
      // The diagnosed token is underlined; the rest keeps its colours.
      const from = Math.min(line.length, mark.col - 1);
      const to = Math.min(line.length, from + Math.max(1, mark.length));
      const at = line.slice(from, to) || ' ';
      return `<span${cls}>${colour(line.slice(0, from))}<span class="err-pos" data-col="${mark.col}">${esc(at)}</span>${colour(line.slice(to))}</span>`;
    })
    .join('\n');
}

function renderRules(): void {
  const text = rulesArea.value;
  const v = verify([{ name: `/etc/udev/rules.d/${RULES_NAME}`, text }]);
  const lines = text.split('\n');
  const marks: Mark[] = v.diagnostics.map((d) => {
    const line = d.line ?? 1;
    const physical = lines[line - 1] ?? '';
    const indent = physical.length - physical.trimStart().length;
    return { line, col: d.col ?? indent + 1, length: d.length ?? Math.max(1, physical.length - indent) };
  });
  $('#hl').innerHTML = highlight(text, marks) + '\n';
  $('#diags').innerHTML = v.diagnostics
    .map((d, i) => {
      const mk = marks[i]!;
      const caret = `${' '.repeat(mk.col - 1)}^${'~'.repeat(Math.max(0, mk.length - 1))}`;
      return `<li class="diag" data-line="${mk.line}" data-col="${mk.col}">${esc(`${RULES_NAME}:${mk.line}:${mk.col}: ${d.level}: ${d.message}`)}<pre>${esc(lines[mk.line - 1] ?? '')}\n${caret}</pre></li>`;
    })
    .join('');
  const m = machine();
  const sel = selectedNode();
  const ex = $('#explain');
  if (!m || !sel) {
    ex.textContent = 'select a device to explain the rules on it';
    return;
  }
  const mu = machineUdev(m);
  try {
    const r = runUdevTest({
      rules: [{ name: RULES_NAME, text }],
      sysfs: mu.sysfs,
      devfs: mu.devfs,
      events: [{ action: 'add', devpath: sel.devpath }],
      explain: true,
    });
    ex.textContent = formatExplain(r.events[0]?.explain ?? []);
  } catch (e) {
    ex.textContent = String(e);
  }
}
rulesArea.addEventListener('input', renderRules);
rulesArea.addEventListener('scroll', () => {
  $('#hl').scrollTop = rulesArea.scrollTop;
});

// ---- lessons, sharing, loading
function startLesson(l: Lesson): void {
  $('#guide').textContent = l.guide;
  compare = l.compare === true;
  race = undefined;
  cursor = -1;
  loadText(l.text);
  if (l.race !== undefined) {
    ($('#race-file') as HTMLSelectElement).value = 'page';
    ($('#schedule') as HTMLInputElement).value = l.race;
    startRace(l.text, l.race);
  }
}

function loadText(text: string): void {
  scenario = parseScenario(text);
  selected = undefined;
  $('#sel').textContent = 'none';
  reload();
}
$('#lesson').addEventListener('change', (ev) => {
  startLesson(lessons.find((x) => x.id === (ev.target as HTMLSelectElement).value)!);
});
$('#share').addEventListener('click', () => {
  const url = `${location.href.split('#')[0]}#s=${encodeState(scenarioText(scenario))}`;
  history.replaceState(null, '', url);
  void navigator.clipboard?.writeText(url).catch(() => undefined);
  setStatus('URL updated with this state');
});
$('#load').addEventListener('change', (ev) => {
  const f = (ev.target as HTMLInputElement).files?.[0];
  if (f) void f.text().then(loadText);
});

$('#guide').textContent = lessons[0]!.guide;
const frag = /#s=([\w-]+)/.exec(location.hash);
if (frag) {
  try {
    loadText(decodeState(frag[1]!));
  } catch {
    reload();
  }
} else reload();
performance.mark('auxbus-booted');
document.body.dataset.ready = 'true';
