// gradeproc serve: upload one gradebook, show what the library answered. No grading here.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const NUMERIC = /%$|^Total$/;
  let maxBytes = 0;
  let maxText = "";
  let job = null;
  let table = null; // {columns, rows}
  let actionFlags = [];
  let bands = {};
  let sortState = { col: -1, dir: 1 };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function show(section) {
    for (const id of ["busy", "problems", "result"]) $(id).hidden = id !== section;
    $("again-row").hidden = !(section === "problems" || section === "result");
    $("start").hidden = section === "result" || section === "busy";
  }

  async function loadConfig() {
    try {
      const answer = await fetch("/api/config", { credentials: "same-origin" });
      if (!answer.ok) return;
      const config = await answer.json();
      maxBytes = config.max_bytes;
      maxText = config.max_text;
      const minutes = Math.round(config.ttl_seconds / 60);
      $("ttl").textContent = minutes === 1 ? "1 minute" : minutes + " minutes";
    } catch (e) {
      /* the upload will say what is wrong */
    }
  }

  // --- Upload ------------------------------------------------------------------------------

  function upload(file) {
    if (!file) return;
    if (maxBytes && file.size > maxBytes) {
      showProblems({
        error: "Error: this file is larger than the " + maxText +
          " this page accepts; nothing was kept. Grade it with `gradeproc process` instead.",
        groups: [],
      });
      return;
    }
    forgetJob();
    show("busy");
    const bar = $("busy-bar");
    bar.value = 0;
    $("busy-text").textContent = "Uploading " + file.name + "…";
    const form = new FormData();
    form.append("book", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/grade");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
    });
    xhr.upload.addEventListener("load", () => {
      bar.removeAttribute("value"); // indeterminate while the server grades
      $("busy-text").textContent = "Grading " + file.name + "…";
    });
    xhr.addEventListener("load", () => {
      const answer = xhr.response;
      if (answer && answer.ok) showResult(answer);
      else if (answer && answer.error) showProblems(answer);
      else showProblems({ error: "Error: the server gave no answer (status " + xhr.status + ").", groups: [] });
    });
    xhr.addEventListener("error", () => {
      showProblems({
        error: "Error: the upload did not reach gradeproc. Is `gradeproc serve` still running? " +
          (maxText ? "Files over " + maxText + " are refused." : ""),
        groups: [],
      });
    });
    xhr.send(form);
  }

  // A finding laid out, reading exactly as the command line prints it.
  function findingItem(f) {
    const item = el("li", { class: f.severity === "error" ? "error" : "warning" });
    const words = el("span", { class: "line" });
    if (f.prefix) words.append(el("span", { class: "sev", text: f.prefix }));
    if (f.location) words.append(el("span", { class: "cell", text: f.location }), ": ");
    words.append(f.message);
    item.append(words);
    return item;
  }

  // --- Problems ----------------------------------------------------------------------------

  function showProblems(answer) {
    $("problems-headline").textContent = answer.error;
    const box = $("problem-groups");
    box.replaceChildren();
    for (const group of answer.groups || []) {
      const onlyWarnings = group.findings.every((f) => f.severity !== "error");
      const list = el("ul");
      for (const f of group.findings) {
        list.append(findingItem(f));
      }
      const count = group.findings.length;
      box.append(
        el("section", { class: "sheet" + (onlyWarnings ? " warn-only" : "") },
          el("h3", { text: group.sheet + " (" + count + (count === 1 ? " finding)" : " findings)") }),
          list)
      );
    }
    show("problems");
    $("problems-title").setAttribute("tabindex", "-1");
    $("problems-title").focus();
  }

  // --- Result ------------------------------------------------------------------------------

  function showResult(answer) {
    job = answer.job;
    table = answer.table;
    actionFlags = answer.action_flags;
    bands = answer.bands;
    sortState = { col: -1, dir: 1 };
    $("result-title").textContent = answer.summary;

    const warnings = $("warning-list");
    warnings.replaceChildren(...answer.warnings.map(findingItem));
    $("warnings").hidden = answer.warnings.length === 0;

    const svg = new DOMParser().parseFromString(answer.chart, "image/svg+xml").documentElement;
    $("chart").replaceChildren(document.importNode(svg, true));

    const downloads = $("downloads");
    downloads.replaceChildren();
    for (const d of answer.downloads) {
      const item = el("li");
      if (d.problems) {
        const details = el("details", {},
          el("summary", { text: d.label + ": not available" }),
          el("p", { text: d.problems.error }),
          el("ul", {}, ...d.problems.groups.flatMap((g) => g.findings.map(findingItem))));
        item.className = "unavailable";
        item.append(details);
      } else {
        const link = el("a", { href: "/api/jobs/" + job + "/files/" + d.key, download: d.name },
          el("span", {}, d.label, el("span", { class: "fname", text: d.name })));
        link.addEventListener("click", () => {
          setTimeout(() => item.replaceChildren(el("span", { class: "done", text: "✓ " + d.label + " downloaded (" + d.name + ")" })), 0);
        });
        item.append(link);
      }
      downloads.append(item);
    }
    drawTable();
    show("result");
    $("result-title").setAttribute("tabindex", "-1");
    $("result-title").focus();
  }


  function drawTable() {
    const t = $("grades");
    const head = t.tHead;
    const body = t.tBodies[0];
    const cols = table.columns;
    const flagsAt = cols.indexOf("Flags");
    const notesAt = cols.indexOf("Notes");
    const idAt = cols.indexOf("Student ID");
    const letterAt = cols.indexOf("Letter");
    const row = el("tr");
    cols.forEach((name, i) => {
      const th = el("th", { scope: "col" });
      if (i === notesAt) th.className = "notes";
      if (sortState.col === i) th.setAttribute("aria-sort", sortState.dir > 0 ? "ascending" : "descending");
      const button = el("button", { type: "button" });
      name.split("/").forEach((part, k) => { // long category names may break after a slash
        if (k) button.append("/", el("wbr"));
        button.append(part);
      });
      button.addEventListener("click", () => sortBy(i));
      th.append(button);
      row.append(th);
    });
    head.replaceChildren(row);

    const onlyAction = $("only-action").checked;
    const rows = [];
    for (const values of sorted()) {
      const flags = flagsAt >= 0 && values[flagsAt] ? String(values[flagsAt]).split(", ") : [];
      const needsAction = flags.some((f) => actionFlags.includes(f));
      if (onlyAction && !needsAction) continue;
      const tr = el("tr", needsAction ? { class: "needs-action" } : {});
      values.forEach((value, i) => {
        const td = el("td");
        const text = value === null ? "" : String(value);
        if (i === idAt) {
          const who = el("button", { type: "button", class: "who", text: text });
          who.setAttribute("aria-label", "How " + text + "'s grade was worked out");
          who.addEventListener("click", () => explain(text, values));
          td.append(who);
        } else if (i === flagsAt) {
          for (const f of flags) td.append(el("span", { class: "flag" + (actionFlags.includes(f) ? " action" : ""), text: f }));
        } else if (i === letterAt && text) {
          td.append(el("span", { class: "letter-pill band-" + (bands[text] || "other"), text: text }));
        } else {
          td.textContent = text;
        }
        if (NUMERIC.test(cols[i])) td.classList.add("num");
        if (i === notesAt) td.classList.add("notes");
        tr.append(td);
      });
      rows.push(tr);
    }
    body.replaceChildren(...rows);
    t.classList.toggle("hide-notes", !$("show-notes").checked);
  }

  function sorted() {
    const { col, dir } = sortState;
    if (col < 0) return table.rows;
    return [...table.rows].sort((a, b) => {
      const x = a[col], y = b[col];
      if (x === null || x === "") return y === null || y === "" ? 0 : 1; // blanks last
      if (y === null || y === "") return -1;
      if (typeof x === "number" && typeof y === "number") return (x - y) * dir;
      return String(x).localeCompare(String(y), undefined, { numeric: true }) * dir;
    });
  }

  function sortBy(i) {
    sortState = sortState.col === i ? { col: i, dir: -sortState.dir } : { col: i, dir: 1 };
    drawTable();
    const button = $("grades").tHead.rows[0].cells[i].querySelector("button");
    if (button) button.focus();
  }

  async function explain(studentId, values) {
    const cols = table.columns;
    const name = [values[cols.indexOf("First name")], values[cols.indexOf("Last name")]].filter(Boolean).join(" ");
    $("explain-title").textContent = (name ? name + " (" + studentId + ")" : studentId) + ": how the grade was worked out";
    $("explain-text").textContent = "Working it out…";
    const dialog = $("explain");
    if (!dialog.open) dialog.showModal();
    try {
      const answer = await fetch("/api/jobs/" + job + "/explain?student=" + encodeURIComponent(studentId), { credentials: "same-origin" });
      const data = await answer.json();
      $("explain-text").textContent = data.ok ? data.text : data.error;
    } catch (e) {
      $("explain-text").textContent = "Error: gradeproc did not answer; is `gradeproc serve` still running?";
    }
  }

  function forgetJob() {
    if (job) {
      fetch("/api/jobs/" + job, { method: "DELETE", credentials: "same-origin", keepalive: true });
      job = null;
    }
  }

  // --- Wiring ------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", () => {
    loadConfig();
    const drop = $("drop");
    const input = $("file");
    input.addEventListener("change", () => upload(input.files[0]));
    for (const name of ["dragenter", "dragover"]) {
      drop.addEventListener(name, (event) => { event.preventDefault(); drop.classList.add("over"); });
    }
    for (const name of ["dragleave", "drop"]) {
      drop.addEventListener(name, () => drop.classList.remove("over"));
    }
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      const files = event.dataTransfer.files;
      if (files.length !== 1) {
        showProblems({ error: "Error: drop one gradebook (.xlsx) at a time.", groups: [] });
        return;
      }
      upload(files[0]);
    });
    // A file dropped beside the zone must not make the browser leave the page.
    window.addEventListener("dragover", (event) => event.preventDefault());
    window.addEventListener("drop", (event) => event.preventDefault());
    $("show-notes").addEventListener("change", () => $("grades").classList.toggle("hide-notes", !$("show-notes").checked));
    $("only-action").addEventListener("change", drawTable);
    $("explain-close").addEventListener("click", () => $("explain").close());
    $("again").addEventListener("click", () => {
      forgetJob();
      input.value = "";
      show("start");
      $("start").hidden = false;
      $("again-row").hidden = true;
      $("busy").hidden = true;
      input.focus();
    });
    window.addEventListener("pagehide", forgetJob);
  });
})();
