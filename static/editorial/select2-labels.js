// Names for the admin's autocomplete boxes. Select2 hides the <select> that the field's
// <label> names and shows its own combobox and search box, which no label reaches: a screen
// reader announced them without a name. Each gets its field's name here, from the label, or
// from the select's aria-label in a table row (a tabular inline has no label per cell).
// Loaded as the autocomplete widgets' media (editorial/admin_widgets.py), after Django's
// autocomplete.js; runs once the boxes are made and again for each inline row added.
"use strict";
{
  const nameOf = (select) => {
    const label = select.id ? document.querySelector(`label[for="${CSS.escape(select.id)}"]`) : null;
    return { label, text: (label ? label.textContent : select.getAttribute("aria-label") || "").replace(/:\s*$/, "").trim() };
  };

  const labelBoxes = (root) => {
    root.querySelectorAll("select.admin-autocomplete").forEach((select) => {
      const container = select.nextElementSibling;
      if (!container || !container.classList.contains("select2")) {
        return;
      }
      const { label, text } = nameOf(select);
      if (!text) {
        return;
      }
      const selection = container.querySelector(".select2-selection");
      const rendered = container.querySelector(".select2-selection--single .select2-selection__rendered");
      if (rendered) {
        // The chosen value is read as part of the combobox's name, not as a nameless textbox.
        rendered.removeAttribute("role");
        rendered.removeAttribute("aria-readonly");
      }
      if (selection && rendered && label) {
        label.id = label.id || `${select.id}-label`;
        selection.setAttribute("aria-labelledby", `${label.id} ${rendered.id}`);
      } else if (selection) {
        selection.removeAttribute("aria-labelledby");
        selection.setAttribute("aria-label", text);
      }
      container.querySelectorAll(".select2-search__field").forEach((field) => {
        field.setAttribute("aria-label", text);
      });
      // A many-valued box's "remove all" cross sits inside its list of choices, where only list
      // items belong; it is for the mouse (the keyboard removes with Backspace), so screen
      // readers skip it. Select2 draws it again at each change.
      const hideClear = () => {
        container.querySelectorAll(".select2-selection__clear").forEach((cross) => {
          cross.setAttribute("aria-hidden", "true");
        });
      };
      hideClear();
      django.jQuery(select).on("change", hideClear);
    });
  };

  // After autocomplete.js's own ready handler, which turns the selects into select2 boxes.
  django.jQuery(() => labelBoxes(document));
  document.addEventListener("formset:added", (event) => labelBoxes(event.target));
}
