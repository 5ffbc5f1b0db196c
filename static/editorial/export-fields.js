// The export page's "Select all" box, wired here instead of by an inline onchange attribute
// (which the Content Security Policy refuses); django-import-export's script does the rest.
document.addEventListener("change", (event) => {
  if (event.target.matches(".select-toggle") && typeof onSelectToggleChange === "function") {
    onSelectToggleChange(event);
  }
});
