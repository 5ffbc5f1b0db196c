// A save that was refused: the summary of its errors takes the focus; each of its links goes
// to the field (opening a collapsed section, and focusing the search box of an autocomplete);
// each estimate's heading, and each group's, says how many errors it holds.
(() => {
  const FOCUSABLE = "input, select, textarea, button, a[href], [tabindex]";
  // The admin's JavaScript catalogue (admin:jsi18n, loaded by its forms) when the page has it;
  // the English text as written otherwise.
  const ngettext = (one, many, count) =>
    window.ngettext ? window.ngettext(one, many, count) : count === 1 ? one : many;

  function goTo(target) {
    for (let details = target.closest("details"); details; details = details.parentElement.closest("details")) {
      details.open = true;
    }
    let focused = target;
    const select2 = target.matches("select") && target.nextElementSibling;
    if (select2 && select2.classList.contains("select2")) {
      focused = select2.querySelector(".select2-selection") || target;
    }
    if (!focused.matches(FOCUSABLE)) focused.tabIndex = -1;
    const row = target.closest(".form-row, tr, .inline-related") || target;
    row.scrollIntoView({ block: "center" }); // the label and the message come into view too
    focused.focus({ preventScroll: true });
  }

  function badge(summary) {
    const counts = new Map();
    for (const item of summary.querySelectorAll("li[data-group]")) {
      for (const id of [item.dataset.inline, item.dataset.group]) {
        if (id) counts.set(id, (counts.get(id) || 0) + 1);
      }
    }
    for (const [id, count] of counts) {
      const holder = document.getElementById(id);
      const heading = holder && holder.querySelector(id.endsWith("-group") ? "h2" : "h3");
      if (!heading) continue;
      const mark = document.createElement("span");
      mark.className = "error-badge";
      mark.textContent = ngettext("%(count)s error", "%(count)s errors", count).replace("%(count)s", count);
      heading.append(" ", mark);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const summary = document.getElementById("error-summary");
    if (!summary) return;
    badge(summary);
    for (const details of document.querySelectorAll("details")) {
      if (details.querySelector(".errorlist")) details.open = true;
    }
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      const target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      goTo(target);
    });
    summary.focus();
  });
})();
