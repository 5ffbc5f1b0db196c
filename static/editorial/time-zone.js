// Until the editor has chosen a time zone for a schedule, preselect the browser's own; the
// zone stays visible beside the time, and the confirmation repeats it with UTC.
document.addEventListener("DOMContentLoaded", () => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const select of document.querySelectorAll("select[data-guess=browser]")) {
    if (zone && Array.from(select.options).some((option) => option.value === zone)) {
      select.value = zone;
    }
  }
});
