// The EDTF date read back as the server stores it ("about October 1944: stored as
// 1 September – 30 November 1944"), asked of the server a moment after the editor stops
// typing, so that the words and days shown are exactly those a save would store.
document.addEventListener("DOMContentLoaded", () => {
  for (const output of document.querySelectorAll("output.date-read-back[data-url]")) {
    const input = document.getElementById(output.htmlFor.value);
    if (!input) continue;
    let timer = null;
    let asked = 0;
    const show = (text, invalid) => {
      output.textContent = text;
      output.classList.toggle("invalid", invalid);
    };
    const ask = async () => {
      const number = ++asked;
      const text = input.value.trim();
      if (!text) {
        show("", false);
        return;
      }
      try {
        const response = await fetch(`${output.dataset.url}?date=${encodeURIComponent(text)}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        const answer = await response.json();
        if (number === asked) show(answer.text || answer.error || "", !answer.text);
      } catch {
        if (number === asked) show("", false); // signed out or offline: the save will say
      }
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(ask, 400);
    });
  }
});
