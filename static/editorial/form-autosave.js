// A local copy of a long form, kept in this browser every few seconds while the editor works,
// so that a closed tab or a crash loses nothing; and a question before leaving a changed form.
//
// The copy is never sent anywhere by itself. When the editor opens the form again, a banner
// offers to restore or discard it; a restored copy is saved like anything typed, so the lock
// (the version the editor had opened travels with the copy) and the review rules apply to it
// as to any save. A successful save names the form in a short-lived cookie, and the next
// admin page, whichever it is, deletes the copy. Signing out deletes every copy.
(() => {
  const PREFIX = "editorial-form:";
  const COOKIE = "editorial_form_saved";
  const EVERY_MS = 3000;
  const KEEP_MS = 30 * 24 * 3600 * 1000;
  const COUNTS = /-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$/;
  // The admin's JavaScript catalogue (admin:jsi18n, loaded by its forms) when the page has it;
  // the English text as written otherwise.
  const gettext = (text) => (window.gettext ? window.gettext(text) : text);
  const named = (format, values) => format.replace(/%\((\w+)\)s/g, (_, name) => values[name]);

  const storage = {
    read(key) {
      try {
        return JSON.parse(localStorage.getItem(key) || "null");
      } catch {
        return null;
      }
    },
    write(key, value) {
      try {
        localStorage.setItem(key, JSON.stringify(value));
      } catch {
        // storage full or refused: the leave-page question still guards the work
      }
    },
    remove(key) {
      try {
        localStorage.removeItem(key);
      } catch {
        // nothing stored, nothing to remove
      }
    },
  };

  function forgetSaved() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith(`${COOKIE}=`));
    if (!cookie) return;
    storage.remove(PREFIX + decodeURIComponent(cookie.slice(COOKIE.length + 1)).replace(/^"|"$/g, ""));
    document.cookie = `${COOKIE}=; Max-Age=0; path=/; SameSite=Lax`;
  }

  function forgetOld() {
    try {
      for (const key of Object.keys(localStorage)) {
        const copy = key.startsWith(PREFIX) && storage.read(key);
        if (copy && !(Date.now() - copy.savedAt < KEEP_MS)) storage.remove(key);
      }
    } catch {
      // storage unavailable
    }
  }

  function forgetAll() {
    try {
      for (const key of Object.keys(localStorage)) {
        if (key.startsWith(PREFIX)) storage.remove(key);
      }
    } catch {
      // storage unavailable
    }
  }

  function fields(form) {
    return Array.from(form.elements).filter(
      (element) =>
        element.name &&
        element.name !== "csrfmiddlewaretoken" &&
        !["submit", "button", "reset", "file"].includes(element.type) &&
        !element.name.includes("__prefix__") &&
        !COUNTS.test(element.name),
    );
  }

  function snapshot(form) {
    const values = [];
    for (const element of fields(form)) {
      if (element.type === "checkbox" || element.type === "radio") {
        if (element.checked) values.push([element.name, element.value]);
      } else if (element.tagName === "SELECT") {
        for (const option of element.selectedOptions) values.push([element.name, option.value, option.text]);
      } else {
        values.push([element.name, element.value]);
      }
    }
    const rows = {};
    for (const count of form.querySelectorAll("input[name$='-TOTAL_FORMS']")) {
      rows[count.name.replace(/-TOTAL_FORMS$/, "")] = Number(count.value);
    }
    return { values, rows };
  }

  const same = (a, b) => JSON.stringify([a.values, a.rows]) === JSON.stringify([b.values, b.rows]);

  function restore(form, copy) {
    for (const [prefix, total] of Object.entries(copy.rows || {})) {
      const count = form.querySelector(`input[name='${prefix}-TOTAL_FORMS']`);
      const add = document.querySelector(`#${CSS.escape(prefix)}-group .add-row a`);
      for (let guard = 0; count && add && Number(count.value) < total && guard < 1000; guard++) {
        add.click(); // the admin's own "Add another": new rows get their widgets as usual
      }
    }
    const saved = new Map();
    for (const [name, value, text] of copy.values) {
      if (!saved.has(name)) saved.set(name, []);
      saved.get(name).push([value, text]);
    }
    for (const element of fields(form)) {
      const entries = saved.get(element.name) || [];
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = entries.some(([value]) => value === element.value);
      } else if (element.tagName === "SELECT") {
        for (const [value, text] of entries) {
          // an autocomplete holds only the options chosen so far: give it the saved ones
          if (!Array.from(element.options).some((option) => option.value === value)) {
            element.add(new Option(text, value));
          }
        }
        for (const option of element.options) {
          option.selected = entries.some(([value]) => value === option.value);
        }
        if (window.django && window.django.jQuery) window.django.jQuery(element).trigger("change");
      } else if (entries.length) {
        element.value = entries[0][0];
      }
    }
  }

  function offer(form, copy, stale, onRestore, onDiscard) {
    const banner = document.createElement("div");
    banner.className = "autosave-banner";
    banner.setAttribute("role", "region");
    banner.setAttribute("aria-label", gettext("Unsaved changes"));
    const when = new Date(copy.savedAt).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    const text = document.createElement("p");
    text.textContent = named(gettext("You have unsaved changes from %(when)s, kept in this browser."), { when });
    banner.append(text);
    if (stale) {
      const warning = document.createElement("p");
      warning.textContent = gettext(
        "This version has been saved since then. If you restore your changes, saving them is " +
          "refused until you apply them to the newer version, so nothing is overwritten.",
      );
      banner.append(warning);
    }
    const restoreButton = document.createElement("button");
    restoreButton.type = "button";
    restoreButton.className = "button default";
    restoreButton.textContent = gettext("Restore");
    const discardButton = document.createElement("button");
    discardButton.type = "button";
    discardButton.className = "button";
    discardButton.textContent = gettext("Discard");
    banner.append(restoreButton, " ", discardButton);
    restoreButton.addEventListener("click", () => {
      onRestore();
      banner.remove();
    });
    discardButton.addEventListener("click", () => {
      onDiscard();
      banner.remove();
    });
    form.prepend(banner);
    return banner;
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (document.getElementById("signed-out")) {
      forgetAll(); // a shared computer keeps none of the editor's unsaved work
      return;
    }
    forgetSaved();
    forgetOld();
    const marker = document.getElementById("form-autosave");
    const form = marker && marker.closest("form");
    if (!form) return;
    const key = PREFIX + marker.dataset.key;
    const opened = form.elements.seen_lock_version;
    // A page that refused a save holds unsaved work from the start.
    const refused = Boolean(document.getElementById("error-summary") || form.querySelector(".errornote"));
    const initial = refused ? { values: [], rows: { refused: 1 } } : snapshot(form);
    let submitting = false;
    let dirty = refused;

    const changed = () => !same(snapshot(form), initial);
    const save = () => {
      if (!dirty) return;
      dirty = false;
      if (!changed()) {
        storage.remove(key);
        return;
      }
      storage.write(key, {
        ...snapshot(form),
        savedAt: Date.now(),
        lock: opened ? opened.value : "",
      });
    };

    const copy = storage.read(key);
    if (copy && Array.isArray(copy.values) && !same(copy, snapshot(form))) {
      offer(
        form,
        copy,
        Boolean(opened) && copy.lock !== marker.dataset.lock,
        () => {
          restore(form, copy);
          dirty = true;
          save();
        },
        () => storage.remove(key),
      );
    }

    form.addEventListener("input", () => {
      dirty = true;
    });
    form.addEventListener("change", () => {
      dirty = true;
    });
    form.addEventListener("submit", () => {
      submitting = true;
      dirty = true;
      save(); // kept until the server says the save went through
    });
    setInterval(save, EVERY_MS);
    window.addEventListener("pagehide", save);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") save();
    });
    window.addEventListener("beforeunload", (event) => {
      if (submitting || !changed()) return;
      dirty = true;
      save();
      event.preventDefault();
      event.returnValue = ""; // the browser asks "Leave site? Changes you made may not be saved."
    });
  });
})();
